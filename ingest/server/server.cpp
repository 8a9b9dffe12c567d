#include "ingest/server/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <random>
#include <stdexcept>

#include "common/host_port.hpp"
#include "ingest/server/endpoint_text.hpp"
#include "ingest/server/session.hpp"
#include "ingest/server/tls_context.hpp"

namespace rtmp::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

tcp::endpoint parse_listen_address(const std::string& text) {
  common::HostPort hp;
  try {
    hp = common::parse_host_port(text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  // Only literal addresses (and localhost): a listener never waits on DNS.
  boost::system::error_code ec;
  auto addr = hp.host.empty()
                  ? net::ip::address(net::ip::address_v4::any())
                  : net::ip::make_address(hp.host == "localhost" ? "127.0.0.1" : hp.host, ec);
  if (ec) throw std::runtime_error("bad address \"" + hp.host + "\": " + ec.message());
  return {addr, hp.port};
}

Server::Server(net::io_context& ioc, SessionContext& ctx, int64_t max_connections)
    : ioc_(ioc),
      ctx_(ctx),
      max_connections_(max_connections),
      strand_(net::make_strand(ioc)),
      acceptor_(strand_),
      tls_acceptor_(strand_),
      id_base_(std::random_device{}() & 0xffffff) {}

Server::~Server() = default;

void Server::listen(const std::string& address) {
  port_ = bind_listener(acceptor_, "-listen", address);
}

void Server::listen_tls(const std::string& address, TlsContext& tls) {
  tls_port_ = bind_listener(tls_acceptor_, "-tls-listen", address);
  tls_ = &tls;
}

// ":port" (no host) listens on IPv6 and IPv4 alike, as Go's ":port" does: one
// dual-stack socket, or IPv4 alone where the host has no IPv6.
uint16_t Server::bind_listener(Acceptor& acceptor, const std::string& flag,
                               const std::string& address) {
  const tcp::endpoint ep = parse_listen_address(address);
  const bool any_host = common::parse_host_port(address).host.empty();
  boost::system::error_code ec;
  if (any_host) {
    if (bind_acceptor(acceptor, tcp::endpoint(net::ip::address_v6::any(), ep.port()), ec))
      return acceptor.local_endpoint().port();
    if (ec != net::error::address_in_use)
      spdlog::debug("{} {}: no IPv6 ({}); listening on IPv4 only", flag, address, ec.message());
  }
  if (ec == net::error::address_in_use)
    throw std::runtime_error("cannot listen on " + flag + " " + address + ": " + ec.message());
  if (!bind_acceptor(acceptor, ep, ec))
    throw std::runtime_error("cannot listen on " + flag + " " + address + ": " + ec.message());
  return acceptor.local_endpoint().port();
}

bool Server::bind_acceptor(Acceptor& acceptor, const tcp::endpoint& ep,
                           boost::system::error_code& ec) {
  ec.clear();
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && ep.address().is_v6() && ep.address().is_unspecified())
    acceptor.set_option(net::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) return true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  return false;
}

void Server::start() {
  net::post(strand_, [this] {
    do_accept(acceptor_, peer_, nullptr);
    if (tls_) do_accept(tls_acceptor_, tls_peer_, tls_);
  });
}

std::string Server::next_conn_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "conn-%06llx",
                static_cast<unsigned long long>((id_base_ + next_id_++) & 0xffffffffffULL));
  return buf;
}

void Server::do_accept(Acceptor& acceptor, net::ip::tcp::endpoint& peer, TlsContext* tls) {
  // Sockets sit on the shared io_context; each session makes its own strand.
  acceptor.async_accept(
      ioc_.get_executor(), peer,
      [this, &acceptor, &peer, tls](boost::system::error_code ec, Socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
          spdlog::warn("accept: {}", ec.message());
        } else if (ctx_.counters.connections_open.load() >= max_connections_) {
          ctx_.counters.connections_rejected.fetch_add(1);
          spdlog::warn("remote={} closing: -max-connections {} reached", endpoint_text(peer),
                       max_connections_);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          auto session =
              std::make_shared<Session>(std::move(socket), ctx_, next_conn_id(),
                                        endpoint_text(peer), tls ? tls->current() : nullptr);
          {
            std::lock_guard lock(sessions_mutex_);
            if (sessions_.size() > 64 &&
                sessions_.size() > 2 * static_cast<size_t>(open_sessions()))
              std::erase_if(sessions_, [](const auto& kv) { return kv.second.expired(); });
            sessions_[session->conn_id()] = session;
          }
          session->start();
        }
        do_accept(acceptor, peer, tls);
      });
}

void Server::stop_accepting() {
  // Closed here, not in a handler posted to the strand: with no session left
  // the drain never runs one, and the port would go on completing handshakes
  // the kernel queues for nobody until the process exits.
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  tls_acceptor_.close(ignored);
}

void Server::close_all(const std::string& reason) {
  // Roles whose sessions go away unclosed from here on end as `shutdown`.
  ctx_.registry.begin_shutdown();
  std::lock_guard lock(sessions_mutex_);
  for (auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) s->shutdown(reason);
  }
}

bool Server::close_connection(const std::string& conn_id, events::StopReason reason,
                              const std::string& why) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(conn_id);
    if (it != sessions_.end()) session = it->second.lock();
  }
  if (!session) return false;
  session->close_from_outside(reason, why);
  return true;
}

int64_t Server::open_sessions() const {
  return ctx_.counters.connections_open.load();
}

}  // namespace rtmp::server
