#pragma once
// A peer's address as events and logs show it: "127.0.0.1:40376" for IPv4
// (also for an IPv4 client of a dual-stack socket, never "::ffff:127.0.0.1"),
// "[::1]:40376" for IPv6, so the port never runs into the address.
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace rtmp::server {

inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  const boost::asio::ip::address addr = ep.address();
  const std::string port = std::to_string(ep.port());
  if (addr.is_v6()) {
    const auto v6 = addr.to_v6();
    if (v6.is_v4_mapped())
      return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string() + ":" +
             port;
    return "[" + v6.to_string() + "]:" + port;
  }
  return addr.to_string() + ":" + port;
}

}  // namespace rtmp::server
