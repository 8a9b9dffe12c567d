#pragma once
// A real HTTP/1.1 server on 127.0.0.1:<ephemeral port> for the HTTP client and
// callback tests: asynchronous Boost.Beast on two threads, keep-alive, records
// every request, answers through a handler that may ask for a delay (a timer,
// so a slow answer never holds up other connections).
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::test {

struct Received {
  std::string method;
  std::string target;
  std::string content_type;
  std::string body;
  int connection = 0;  // which TCP connection carried it (1, 2, ...)
};

struct Reply {
  unsigned status = 200;
  std::chrono::milliseconds delay{0};
  std::string body;
};

class TestHttpServer {
 public:
  using Handler = std::function<Reply(const Received&)>;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    namespace net = boost::asio;
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    do_accept();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~TestHttpServer() {
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  std::string url(const std::string& path = "/auth") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // Waits until at least `n` requests have arrived; false at the deadline.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, deadline, [&] { return received_.size() >= n; });
  }

 private:
  class Session;

  void do_accept();

  Reply record(Received r) {
    Reply reply = handler_(r);
    std::lock_guard lock(mutex_);
    received_.push_back(std::move(r));
    cv_.notify_all();
    return reply;
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  std::vector<std::thread> threads_;
};

// One connection: read a request, record it, wait the asked delay, answer,
// and read the next one while the client keeps the connection alive.
class TestHttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(TestHttpServer& server, boost::asio::ip::tcp::socket socket, int id)
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()), id_(id) {}

  void run() { do_read(); }

 private:
  void do_read() {
    request_ = {};
    boost::beast::http::async_read(stream_, buffer_, request_,
                                   [self = shared_from_this()](boost::system::error_code ec,
                                                               std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::system::error_code ec) {
    if (ec) return;  // closed by the client
    Received r{std::string(request_.method_string()), std::string(request_.target()),
               std::string(request_[boost::beast::http::field::content_type]), request_.body(),
               id_};
    const Reply reply = server_.record(std::move(r));
    response_ = {static_cast<boost::beast::http::status>(reply.status), request_.version()};
    response_.body() = reply.body;
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    timer_.expires_after(reply.delay);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code) { self->do_write(); });
  }

  void do_write() {
    boost::beast::http::async_write(
        stream_, response_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (!ec && self->response_.keep_alive()) self->do_read();
        });
  }

  TestHttpServer& server_;
  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer timer_;
  int id_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
};

inline void TestHttpServer::do_accept() {
  acceptor_.async_accept(boost::asio::make_strand(ioc_),
                         [this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
                           if (ec) return;
                           std::make_shared<Session>(*this, std::move(s), ++connections_)->run();
                           do_accept();
                         });
}

// A value set once from any thread and awaited with a deadline.
template <typename T>
class ResultSlot {
 public:
  // Notifies under the lock: a waiter may destroy the slot as soon as it sees
  // the value, so set() must not touch the slot after unlocking.
  void set(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
    cv_.notify_all();
  }
  bool ready() const {
    std::lock_guard lock(mutex_);
    return value_.has_value();
  }
  // The value, or nullopt when the deadline passed first.
  std::optional<T> wait(std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, deadline, [&] { return value_.has_value(); })) return std::nullopt;
    return value_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

}  // namespace rtmp::test
