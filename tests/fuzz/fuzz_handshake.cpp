// libFuzzer target: ServerHandshake and ClientHandshake fed arbitrary bytes in
// arbitrary splits. Checks the contract: never consumes more than given,
// answers exactly once with S0+S1+S2, consumes nothing once done or failed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ingest/protocol/handshake.hpp"

using rtmp::protocol::ClientHandshake;
using rtmp::protocol::ServerHandshake;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64 * 37;  // split size from the first byte
  std::span<const uint8_t> in(data + 1, size - 1);

  ServerHandshake server;
  size_t responses = 0;
  for (size_t pos = 0; pos < in.size();) {
    const size_t n = std::min(step, in.size() - pos);
    const bool was_finished = server.done() || server.state() == ServerHandshake::State::kFailed;
    auto r = server.feed(in.subspan(pos, n));
    check(r.consumed <= n);
    if (was_finished) check(r.consumed == 0);
    if (!r.output.empty()) {
      check(r.output.size() == 1 + 2 * ServerHandshake::kC1Size);
      ++responses;
    }
    if (!r.error.empty()) {
      check(server.state() == ServerHandshake::State::kFailed);
      break;
    }
    if (server.done()) break;
    check(r.consumed == n);  // not done: everything given was taken
    pos += n;
  }
  check(responses <= 1);

  ClientHandshake client;
  client.start();
  for (size_t pos = 0; pos < in.size() && !client.done();) {
    const size_t n = std::min(step, in.size() - pos);
    auto r = client.feed(in.subspan(pos, n));
    check(r.consumed <= n);
    if (!r.error.empty()) break;
    if (client.done()) check(r.output.size() == ServerHandshake::kC1Size);
    pos += n;
  }
  return 0;
}
