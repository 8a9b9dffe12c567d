#include "common/accept_loop.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <chrono>

namespace rtmp::common {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

class AcceptLoop : public std::enable_shared_from_this<AcceptLoop> {
 public:
  AcceptLoop(net::io_context& ioc, tcp::acceptor& acceptor, AcceptOptions options,
             SessionFactory make_session)
      : ioc_(ioc),
        acceptor_(acceptor),
        retry_(ioc),
        options_(std::move(options)),
        make_session_(std::move(make_session)) {}

  void do_accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

 private:
  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("{} accept: {}", options_.name, ec.message());
      retry_.expires_after(kAcceptRetryDelay);
      retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    // Only this loop adds to the count; sessions ending elsewhere only lower it.
    if (const size_t open = options_.connections->open.load(); open < options_.max_connections) {
      make_session_(std::move(socket), ConnectionSlot(options_.connections));
    } else {
      spdlog::debug("{}: {} connections open, closing a new one", options_.name, open);
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor& acceptor_;
  net::steady_timer retry_;
  AcceptOptions options_;
  SessionFactory make_session_;
};

}  // namespace

ConnectionSlot::ConnectionSlot(std::shared_ptr<ConnectionCount> count) : count_(std::move(count)) {
  if (count_) ++count_->open;
}

ConnectionSlot::~ConnectionSlot() {
  if (count_) --count_->open;
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    if (count_) --count_->open;
    count_ = std::move(other.count_);
  }
  return *this;
}

void start_accept_loop(net::io_context& ioc, tcp::acceptor& acceptor, AcceptOptions options,
                       SessionFactory make_session) {
  std::make_shared<AcceptLoop>(ioc, acceptor, std::move(options), std::move(make_session))
      ->do_accept();
}

}  // namespace rtmp::common
