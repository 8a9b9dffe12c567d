#pragma once
// The RTMP listener: accepts on its own strand and hands each socket to a new
// Session on a strand of its own, so a slow or silent client never delays
// the next accept. Past -max-connections a socket is closed at accept.
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

// "host:port", ":port" or "[v6]:port" -> endpoint; throws std::runtime_error.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

class Server {
 public:
  Server(boost::asio::io_context& ioc, SessionContext& ctx, int64_t max_connections);
  ~Server();

  // Binds and listens; throws std::runtime_error (startup only).
  void listen(const std::string& address);
  void start();
  uint16_t port() const { return port_; }

  // Shutdown, from any thread: stop accepting, then close every session
  // (each emits its stop events).
  void stop_accepting();
  void close_all(const std::string& reason);
  int64_t open_sessions() const;

 private:
  // Opens, binds and listens; on failure closes the acceptor and returns false.
  bool bind_acceptor(const boost::asio::ip::tcp::endpoint& ep, boost::system::error_code& ec);
  void do_accept();
  std::string next_conn_id();

  boost::asio::io_context& ioc_;
  SessionContext& ctx_;
  const int64_t max_connections_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  uint64_t id_base_;
  uint64_t next_id_ = 0;

  mutable std::mutex sessions_mutex_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
};

}  // namespace rtmp::server
