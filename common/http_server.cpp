// The operational HTTP endpoint (see http_server.hpp), in the style of Beast's
// async server example: the common accept loop and one session per
// connection, each step a do_x/on_x pair.
#include "common/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/accept_loop.hpp"
#include "common/host_port.hpp"
#include "common/tcp_listen.hpp"

namespace rtmp::common {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxConnections = 64;  // scrapers and probes, not clients

struct Handlers {
  HttpServer::MetricsFn metrics;
  HttpServer::ReadyFn ready;
  HttpServerOptions options;
};

http::response<http::string_body> respond(Handlers& h,
                                          const http::request<http::string_body>& req) {
  auto make = [&](http::status status, std::string_view type, std::string body) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
    return res;
  };
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = make(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  if (target == "/metrics") {
    return make(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", h.metrics());
  }
  if (target == "/healthz") return make(http::status::ok, "text/plain", "ok");
  if (target == "/readyz") {
    bool ready = !h.ready || h.ready();
    return make(ready ? http::status::ok : http::status::service_unavailable, "text/plain",
                ready ? "ready" : "not ready");
  }
  return make(http::status::not_found, "text/plain", "not found\n");
}

// One connection: read a request, write its response, repeat while kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ConnectionSlot slot, Handlers& h)
      : stream_(std::move(socket)),
        buffer_(h.options.max_request_bytes),
        slot_(std::move(slot)),
        h_(h) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

 private:
  // Reads one request, bounded in size and time.
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(h_.options.max_request_bytes));
    parser_->body_limit(h_.options.max_request_bytes);
    stream_.expires_after(h_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec) return fail(ec, "read");
    res_ = respond(h_, parser_->get());
    do_write();
  }

  // Writes the response; one write in flight per connection.
  void do_write() {
    stream_.expires_after(h_.options.write_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  void fail(beast::error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    spdlog::debug("metrics http {}: {}", what, ec.message());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  ConnectionSlot slot_;
  Handlers& h_;
};

}  // namespace

void register_http_flags(FlagSet& flags, HttpServerOptions& options) {
  flags.add_string("metrics-addr", &options.address, "",
                   "HTTP address serving /metrics, /healthz and /readyz, e.g. :9100 (empty = off)",
                   [](const std::string& v) -> std::string {
                     if (v.empty()) return "";
                     try {
                       parse_host_port(v);
                       return "";
                     } catch (const std::invalid_argument& e) {
                       return e.what();
                     }
                   });
}

struct HttpServer::Impl {
  Handlers handlers;  // declared first: sessions still in the io_context refer to it
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread thread;
};

HttpServer::HttpServer(const HttpServerOptions& options, MetricsFn metrics, ReadyFn ready)
    : impl_(std::make_unique<Impl>()) {
  impl_->handlers = Handlers{std::move(metrics), std::move(ready), options};
  impl_->port = listen_tcp(impl_->acceptor, "metrics-addr", options.address);
  start_accept_loop(impl_->ioc, impl_->acceptor, {"metrics http", kMaxConnections},
                    [h = &impl_->handlers](tcp::socket socket, ConnectionSlot slot) {
                      std::make_shared<Session>(std::move(socket), std::move(slot), *h)->run();
                    });
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

HttpServer::~HttpServer() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

}  // namespace rtmp::common
