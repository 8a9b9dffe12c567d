#include "ingest/media/rbsp.hpp"

namespace rtmp::media {

std::vector<uint8_t> unescape_rbsp(std::span<const uint8_t> nal) {
  std::vector<uint8_t> out;
  out.reserve(nal.size());
  unsigned zeros = 0;
  for (const uint8_t byte : nal) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;  // emulation prevention byte: dropped
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    out.push_back(byte);
  }
  return out;
}

}  // namespace rtmp::media
