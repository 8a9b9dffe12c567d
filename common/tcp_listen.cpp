#include "common/tcp_listen.hpp"

#include <boost/asio.hpp>
#include <stdexcept>

#include "common/host_port.hpp"

namespace rtmp::common {

uint16_t listen_tcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& flag,
                    const std::string& address) {
  namespace net = boost::asio;
  using tcp = net::ip::tcp;
  // error_code forms throughout, so the message is the cause alone.
  const auto fail = [&](const std::string& cause) {
    throw std::runtime_error("cannot listen on -" + flag + " " + address + ": " + cause);
  };
  HostPort hp;
  try {
    hp = parse_host_port(address);
    if (hp.host.empty()) hp.host = "0.0.0.0";
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  boost::system::error_code ec;
  tcp::resolver resolver(acceptor.get_executor());
  const auto results =
      resolver.resolve(hp.host, std::to_string(hp.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) fail(ec ? ec.message() : "no address");
  const tcp::endpoint endpoint = *results.begin();
  uint16_t port = 0;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) port = acceptor.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    fail(ec.message());
  }
  return port;
}

}  // namespace rtmp::common
