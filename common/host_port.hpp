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

// ZeroMQ binds a tcp:// endpoint to an address or an interface name, never to
// a host name ("tcp://localhost:5556" fails with "No such device"). This is
// the endpoint with its host name replaced by the host's first IPv4 address
// ("tcp://127.0.0.1:5556"), or "" when it is not a tcp:// endpoint with a
// host part that resolves. Blocks on DNS: for startup.
std::string zmq_bind_by_address(const std::string& endpoint);

// What is wrong with a ZeroMQ endpoint another process binds or connects to,
// or "": tcp://host:port (port 1-65535; a bind may take "*" for the host) or
// ipc://path. inproc:// is refused: it reaches only this process's own
// sockets, never a dispatcher or ingest elsewhere. (libzmq would take a port
// over 65535 and bind it cut to 16 bits.)
std::string zmq_endpoint_error(const std::string& endpoint);

}  // namespace rtmp::common
