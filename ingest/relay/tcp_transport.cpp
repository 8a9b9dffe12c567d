#include "ingest/relay/tcp_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace rtmp::relay {
namespace {

// Unsent bytes a connection may hold: a few merged writes of a high-rate
// stream, so the target's rate paces the relay and a target that stopped
// reading blocks the relay's write (-relay-timeout) within this much.
constexpr uint32_t kUnsentLimit = 128 * 1024;

}  // namespace

TcpTransport::TcpTransport(const Strand& strand)
    : strand_(strand), resolver_(strand), socket_(strand) {}

void TcpTransport::async_connect(const std::string& host, uint16_t port, ConnectHandler done) {
  resolver_.async_resolve(
      host, std::to_string(port),
      [self = shared_from_this(), done = std::move(done)](
          const boost::system::error_code& ec,
          const net::ip::basic_resolver_results<net::ip::tcp>& results) mutable {
        if (self->closed_) return done("closed");
        if (ec) return done("resolve: " + ec.message());
        net::async_connect(self->socket_, results,
                           [self, done = std::move(done)](const boost::system::error_code& cec,
                                                          const net::ip::tcp::endpoint&) {
                             if (cec) return done("connect: " + cec.message());
                             boost::system::error_code ignored;
                             self->socket_.set_option(net::ip::tcp::no_delay(true), ignored);
                             limit_unsent(self->socket_.native_handle(), kUnsentLimit);
                             done("");
                           });
      });
}

void TcpTransport::async_write(std::vector<net::const_buffer> buffers, IoHandler done) {
  // The vector moves into the handler: it must outlive the operation.
  auto owned = std::make_shared<std::vector<net::const_buffer>>(std::move(buffers));
  net::async_write(socket_, *owned,
                   [self = shared_from_this(), owned, done = std::move(done)](
                       const boost::system::error_code& ec, size_t n) { done(ec, n); });
}

void TcpTransport::async_read_some(net::mutable_buffer buffer, IoHandler done) {
  socket_.async_read_some(buffer,
                          [self = shared_from_this(), done = std::move(done)](
                              const boost::system::error_code& ec, size_t n) { done(ec, n); });
}

TcpProgress TcpTransport::progress() {
  if (closed_ || !socket_.is_open()) return {};
  return tcp_progress(socket_.native_handle());
}

void TcpTransport::close() {
  closed_ = true;
  boost::system::error_code ignored;
  resolver_.cancel();
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace rtmp::relay
