#pragma once
// The RTMP listener, and the RTMPS one when -tls-listen is given: accepts on
// its own strand and hands each socket to a new Session on a strand of its
// own, so a slow or silent client never delays the next accept. Both
// listeners serve the same streams. Past -max-connections (both together) a
// socket is closed at accept.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ingest/server/session_context.hpp"

namespace rtmp::server {

class Session;
class TlsContext;

// "host:port", ":port" or "[v6]:port" -> endpoint; throws std::runtime_error.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

class Server {
 public:
  Server(boost::asio::io_context& ioc, SessionContext& ctx, int64_t max_connections);
  ~Server();

  // Binds and listens; throws std::runtime_error (startup only).
  void listen(const std::string& address);
  // The RTMPS listener; each connection takes `tls`'s context current at its
  // accept. `tls` outlives the server.
  void listen_tls(const std::string& address, TlsContext& tls);
  void start();
  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }

  // Shutdown: stop accepting (the listening sockets close at once, so new
  // clients are refused; call once the io_context has stopped, with no
  // handler running), then close every session from any thread (each emits
  // its stop events).
  void stop_accepting();
  void close_all(const std::string& reason);
  int64_t open_sessions() const;
  // From any thread: closes the connection `conn_id` with `reason` (its stop
  // events fire as for any close). False when no such connection is open.
  bool close_connection(const std::string& conn_id, events::StopReason reason,
                        const std::string& why);

 private:
  using Acceptor = boost::asio::ip::tcp::acceptor;
  // Binds `acceptor` as -listen's address says (`flag` names it in errors);
  // returns the port. Throws std::runtime_error.
  uint16_t bind_listener(Acceptor& acceptor, const std::string& flag, const std::string& address);
  // Opens, binds and listens; on failure closes the acceptor and returns false.
  static bool bind_acceptor(Acceptor& acceptor, const boost::asio::ip::tcp::endpoint& ep,
                            boost::system::error_code& ec);
  void do_accept(Acceptor& acceptor, boost::asio::ip::tcp::endpoint& peer, TlsContext* tls);
  std::string next_conn_id();

  boost::asio::io_context& ioc_;
  SessionContext& ctx_;
  const int64_t max_connections_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  Acceptor acceptor_;
  Acceptor tls_acceptor_;
  // The peer of each listener's pending accept, as accept() returned it: a
  // client that resets at once has no address left to ask the socket for.
  boost::asio::ip::tcp::endpoint peer_;
  boost::asio::ip::tcp::endpoint tls_peer_;
  TlsContext* tls_ = nullptr;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  uint64_t id_base_;
  uint64_t next_id_ = 0;

  mutable std::mutex sessions_mutex_;
  std::unordered_map<std::string, std::weak_ptr<Session>> sessions_;  // by conn_id
};

}  // namespace rtmp::server
