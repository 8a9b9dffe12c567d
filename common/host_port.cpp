#include "common/host_port.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <stdexcept>

namespace rtmp::common {

HostPort parse_host_port(std::string_view address) {
  HostPort out;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos) {
      throw std::invalid_argument("unclosed '[' (want [ipv6]:port)");
    }
    if (address.substr(close + 1, 1) != ":") {
      throw std::invalid_argument("missing :port after ']' (want [ipv6]:port)");
    }
    out.host = address.substr(1, close - 1);
    if (out.host.empty()) throw std::invalid_argument("empty address in [] (want [ipv6]:port)");
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument("missing port (want host:port or :port)");
    }
    out.host = address.substr(0, colon);
    if (out.host.find(':') != std::string::npos) {
      throw std::invalid_argument("IPv6 address needs brackets (want [ipv6]:port)");
    }
    port = address.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || value > 65535) {
    throw std::invalid_argument("bad port \"" + std::string(port) + "\" (want 0-65535)");
  }
  out.port = static_cast<uint16_t>(value);
  return out;
}

bool has_ipv6_literal(const std::vector<std::string>& zmq_endpoints) {
  for (const auto& endpoint : zmq_endpoints)
    if (endpoint.starts_with("tcp://[")) return true;
  return false;
}

std::string zmq_bind_by_address(const std::string& endpoint) {
  constexpr std::string_view kTcp = "tcp://";
  if (endpoint.compare(0, kTcp.size(), kTcp) != 0) return "";
  const std::string_view rest = std::string_view(endpoint).substr(kTcp.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || rest.front() == '[') return "";
  const std::string host(rest.substr(0, colon));
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return "";
  char text[INET_ADDRSTRLEN] = {};
  const auto* in = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const bool ok = ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr;
  ::freeaddrinfo(found);
  if (!ok) return "";
  return std::string(kTcp) + text + std::string(rest.substr(colon));
}

std::string zmq_endpoint_error(const std::string& endpoint) {
  const size_t sep = endpoint.find("://");
  if (sep == std::string::npos || sep == 0)
    return "want a ZeroMQ endpoint such as tcp://127.0.0.1:5556";
  const std::string scheme = endpoint.substr(0, sep), rest = endpoint.substr(sep + 3);
  if (scheme == "ipc") return rest.empty() ? "empty path (want ipc:///path)" : "";
  if (scheme == "inproc")
    return "inproc:// reaches only this process's own sockets, never another process "
           "(want tcp:// or ipc://)";
  if (scheme != "tcp") return "unsupported transport \"" + scheme + "\" (want tcp:// or ipc://)";
  try {
    const HostPort hp = parse_host_port(rest);
    if (hp.host.empty()) return "want tcp://host:port";
    if (hp.port == 0) return "port 0: want 1-65535";
  } catch (const std::invalid_argument& err) {
    return err.what();
  }
  return "";
}

}  // namespace rtmp::common
