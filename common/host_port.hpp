#pragma once
// host:port listen addresses as Go writes them: ":1935" (every address),
// "0.0.0.0:1935", "127.0.0.1:9100", "[::1]:1935", "localhost:1935".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::common {

struct HostPort {
  std::string host;  // "" for ":port" (every local address); IPv6 without brackets
  uint16_t port = 0;
};

// Throws std::invalid_argument with a one-line reason (no port, bad port,
// IPv6 address without brackets, unclosed bracket) that callers prefix with
// the flag name.
HostPort parse_host_port(std::string_view address);

// Whether any of these ZeroMQ endpoints names an IPv6 address literal
// ("tcp://[::1]:5556"): ZeroMQ sockets reach IPv6 only with ZMQ_IPV6 set.
// Host names keep IPv4 (with ZMQ_IPV6, "localhost" would resolve to ::1
// alone and miss an ingest bound to 127.0.0.1).
bool has_ipv6_literal(const std::vector<std::string>& zmq_endpoints);

}  // namespace rtmp::common
