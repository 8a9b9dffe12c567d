#pragma once
// Plain TCP for rtmp:// targets.
#include <boost/asio/ip/tcp.hpp>

#include "ingest/relay/transport.hpp"

namespace rtmp::relay {

class TcpTransport final : public Transport, public std::enable_shared_from_this<TcpTransport> {
 public:
  explicit TcpTransport(const Strand& strand);
  void async_connect(const std::string& host, uint16_t port, ConnectHandler done) override;
  void async_write(std::vector<net::const_buffer> buffers, IoHandler done) override;
  void async_read_some(net::mutable_buffer buffer, IoHandler done) override;
  void close() override;
  TcpProgress progress() override;

  // For a TLS transport layered on top.
  net::basic_stream_socket<net::ip::tcp, Strand>& socket() { return socket_; }

 private:
  Strand strand_;
  net::ip::basic_resolver<net::ip::tcp, Strand> resolver_;
  net::basic_stream_socket<net::ip::tcp, Strand> socket_;
  bool closed_ = false;
};

}  // namespace rtmp::relay
