// libFuzzer target: command parser on type 20 / type 17 payloads (first byte
// picks the type). A parsed command rebuilt with make_command parses back equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ingest/protocol/command.hpp"

using namespace rtmp::protocol;
using rtmp::amf0::Value;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Message m;
  m.header.type_id = (data[0] & 1) ? 17 : 20;
  m.header.csid = kCsidCommand;
  m.payload.assign(data + 1, data + size);
  m.header.length = static_cast<uint32_t>(m.payload.size());

  Command c;
  if (!parse_command(m, c).empty()) return 0;
  std::vector<Value> values = {Value::String(c.name), Value::Number(c.transaction_id),
                               c.command_object};
  values.insert(values.end(), c.args.begin(), c.args.end());
  Command again;
  check(parse_command(make_command(kCsidCommand, 0, values), again).empty());
  check(again.name == c.name);
  check(again.command_object == c.command_object);
  check(again.args == c.args);
  return 0;
}
