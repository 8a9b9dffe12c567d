// libFuzzer target: AMF0 decoder. Whatever decodes must encode and decode back
// to equal values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/protocol/amf0.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rtmp::amf0::DecodeLimits limits;
  limits.max_depth = 16;
  limits.max_elements = 4096;
  std::vector<rtmp::amf0::Value> values;
  if (!rtmp::amf0::decode_all({data, size}, values, limits).empty()) return 0;
  const std::vector<uint8_t> bytes = rtmp::amf0::encode_all(values);
  std::vector<rtmp::amf0::Value> back;
  check(rtmp::amf0::decode_all(bytes, back, limits).empty());
  check(back == values);
  for (const auto& v : values) {
    (void)v.get("app");
    (void)v.get_string("code");
    (void)v.get_number("duration");
  }
  return 0;
}
