#pragma once
// A TCP listener from a host:port flag value, for the HTTP servers (metrics,
// API): one error path whose message names the flag, the address and the
// cause, never a library source location.
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace rtmp::common {

// Opens, binds and listens `acceptor` on `address` (host:port; an empty host
// is every IPv4 address) and returns the bound port (the chosen one for port
// 0). Throws std::runtime_error "cannot listen on -FLAG ADDRESS: cause".
uint16_t listen_tcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& flag,
                    const std::string& address);

}  // namespace rtmp::common
