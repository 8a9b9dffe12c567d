#pragma once
// host:port listen addresses as Go writes them: ":1935" (every address),
// "0.0.0.0:1935", "127.0.0.1:9100", "[::1]:1935", "localhost:1935".
#include <cstdint>
#include <string>
#include <string_view>

namespace rtmp::common {

struct HostPort {
  std::string host;  // "" for ":port" (every local address); IPv6 without brackets
  uint16_t port = 0;
};

// Throws std::invalid_argument with a one-line reason (no port, bad port,
// IPv6 address without brackets, unclosed bracket) that callers prefix with
// the flag name.
HostPort parse_host_port(std::string_view address);

}  // namespace rtmp::common
