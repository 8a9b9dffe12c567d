#pragma once
// TLS over TCP for rtmps:// targets: SNI with the target's host name, and
// the server's certificate verified against -relay-ca or the system store,
// host name included. A failed verification names itself in the connect
// error ("TLS: certificate verification failed: …"), which the session
// reports as relay_error.
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "ingest/relay/tcp_transport.hpp"

namespace rtmp::relay {

class TlsTransport final : public Transport, public std::enable_shared_from_this<TlsTransport> {
 public:
  // `ca_file` "" = the system's default store. Throws std::runtime_error when
  // the CA file cannot be loaded.
  TlsTransport(const Strand& strand, const std::string& ca_file);
  void async_connect(const std::string& host, uint16_t port, ConnectHandler done) override;
  void async_write(std::vector<net::const_buffer> buffers, IoHandler done) override;
  void async_read_some(net::mutable_buffer buffer, IoHandler done) override;
  void close() override;
  TcpProgress progress() override { return tcp_->progress(); }

 private:
  using Socket = net::basic_stream_socket<net::ip::tcp, Strand>;
  void on_handshake(const boost::system::error_code& ec, const ConnectHandler& done);

  std::shared_ptr<TcpTransport> tcp_;
  net::ssl::context ctx_;
  net::ssl::stream<Socket&> stream_;
};

// Loads `ca_file` into a throwaway context: a startup check for -relay-ca.
// Returns "" or why it cannot be used.
std::string check_ca_file(const std::string& ca_file);

}  // namespace rtmp::relay
