#pragma once
// The accept loop of the HTTP servers (metrics, API): accepts on a listening
// acceptor, each connection onto a strand of its own, and hands the socket to
// a session factory while fewer than `max_connections` are open; over the
// limit the socket is closed at once. An accept error (out of descriptors and
// the like) is logged and retried after a short pause instead of spinning.
//
//   auto connections = std::make_shared<common::ConnectionCount>();
//   common::start_accept_loop(ioc, acceptor, {"metrics http", 64, connections},
//       [&](tcp::socket socket, common::ConnectionSlot slot) {
//         std::make_shared<Session>(std::move(socket), std::move(slot), ...)->run();
//       });
//
// The loop stops when the acceptor is closed or the io_context stops.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace rtmp::common {

// How many sessions are open. Atomic: a session's last reference may go on
// another thread than the io_context's (the API's event hub holds its
// live-event clients while it hands them events or ends them at shutdown).
struct ConnectionCount {
  std::atomic<std::size_t> open = 0;
};

// One open connection: counts while it lives. A session keeps it as a
// member, so the count follows the session's lifetime.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(std::shared_ptr<ConnectionCount> count);
  ~ConnectionSlot();
  ConnectionSlot(ConnectionSlot&& other) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::shared_ptr<ConnectionCount> count_;
};

struct AcceptOptions {
  std::string name;  // for log lines, e.g. "api http"
  std::size_t max_connections = 64;
  std::shared_ptr<ConnectionCount> connections = std::make_shared<ConnectionCount>();
};

// Makes and starts the session for an accepted socket (on its strand's
// executor); the slot belongs to that session.
using SessionFactory =
    std::function<void(boost::asio::ip::tcp::socket socket, ConnectionSlot slot)>;

// Starts accepting; `acceptor` must be listening and outlive the io_context's
// run.
void start_accept_loop(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor,
                       AcceptOptions options, SessionFactory make_session);

}  // namespace rtmp::common
