// The HTTP API's connections (see api_server.hpp), in the style of Beast's
// async server example, behind the common accept loop; a GET of the live event stream turns its
// connection into a Server-Sent Events writer fed by the EventHub.
#include "ingest/api/api_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "common/accept_loop.hpp"
#include "common/tcp_listen.hpp"
#include "ingest/api/api_routes.hpp"

namespace rtmp::api {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxConnections = 256;
// Live-event clients stay open; this many at most, so the rest of the
// connections stay free for requests (an operator's kick among them).
constexpr int kMaxEventClients = 192;
constexpr size_t kMaxRequestBytes = 16 * 1024;
constexpr size_t kFramesPerWrite = 64;
constexpr int kSocketSendBuffer = 64 * 1024;
constexpr auto kKeepalive = std::chrono::seconds(15);

struct Shared {
  ApiOptions options;
  ApiContext ctx;
  std::atomic<int> streaming{0};  // live-event responses not yet ended
};

class Session : public std::enable_shared_from_this<Session>, public EventClient {
 public:
  Session(tcp::socket&& socket, common::ConnectionSlot slot, Shared& shared)
      : stream_(std::move(socket)),
        keepalive_(stream_.get_executor()),
        slot_(std::move(slot)),
        s_(shared) {}
  ~Session() override {
    if (streaming_) {
      s_.ctx.hub.unsubscribe(this);
      s_.streaming.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // The hub's thread: queue `frame` for the writer, or give up when the
  // client let its buffer fill.
  bool deliver(const std::shared_ptr<const std::string>& frame) noexcept override {
    bool ok = false;
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      if (overflowed_ || closed_) return false;
      if (queued_bytes_ + frame->size() > static_cast<size_t>(s_.options.sse_buffer_bytes)) {
        overflowed_ = true;
      } else {
        try {
          live_.push_back(frame);
          queued_bytes_ += frame->size();
        } catch (...) {
          overflowed_ = true;
        }
      }
      ok = !overflowed_;
      wake = !wake_posted_;
      wake_posted_ = true;
    }
    if (wake) net::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
    return ok;
  }

  // The hub's thread: no event follows; the writer ends the response once
  // it has written what is queued.
  void finish() noexcept override {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      finishing_ = true;
      wake = !wake_posted_;
      wake_posted_ = true;
    }
    if (wake) net::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kMaxRequestBytes);
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(s_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec.category() == http::make_error_code(http::error::bad_target).category())
      return refuse_request(ec);
    if (ec) return fail(ec, "read");
    Request& req = parser_->get();
    // A target in absolute form (what a client talking to a proxy sends)
    // routes by its path.
    if (const std::string_view t = req.target();
        t.starts_with("http://") || t.starts_with("https://")) {
      const auto path = t.find('/', t.find("//") + 2);
      req.target(path == std::string_view::npos ? std::string("/") : std::string(t.substr(path)));
    }
    const std::string_view target = req.target();
    if (target.substr(0, target.find('?')) == kEventsPath && req.method() == http::verb::get) {
      if (auto denied = check_token(req, s_.options)) {
        res_ = std::move(*denied);
        count(req);
        return do_write();
      }
      EventFilter filter;
      if (auto bad = parse_event_filter(query_of(req), filter)) {
        res_ = error_response(req, http::status::bad_request, *bad);
        count(req);
        return do_write();
      }
      if (s_.streaming.load(std::memory_order_acquire) >= kMaxEventClients) {
        spdlog::warn("api: live-event client {} refused: {} clients already", peer(),
                     kMaxEventClients);
        res_ = error_response(
            req, http::status::service_unavailable,
            "too many live-event clients (" + std::to_string(kMaxEventClients) + ")");
        res_.keep_alive(false);
        count(req);
        return do_write();
      }
      if (s_.ctx.metrics) s_.ctx.metrics->request(kEventsPath, 200);
      return start_events(req, std::move(filter));
    }
    res_ = route(req, s_.options, s_.ctx);
    count(req);
    do_write();
  }

  void count(const Request& req) {
    if (s_.ctx.metrics) s_.ctx.metrics->request(route_pattern(req, s_.ctx), res_.result_int());
  }

  void do_write() {
    stream_.expires_after(s_.options.write_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  // A request the parser refused (not HTTP/1.x, a malformed line or header,
  // too large): a JSON error, then the connection closes, since the rest of
  // the stream cannot be trusted to start a request.
  void refuse_request(beast::error_code ec) {
    http::status status = http::status::bad_request;
    if (ec == http::error::body_limit) status = http::status::payload_too_large;
    if (ec == http::error::header_limit) status = http::status::request_header_fields_too_large;
    spdlog::debug("api http: refused a request: {}", ec.message());
    Request req;
    req.version(11);
    res_ = error_response(req, status, "bad request: " + ec.message());
    res_.keep_alive(false);
    if (s_.ctx.metrics) s_.ctx.metrics->request("other", res_.result_int());
    do_write();
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  // ---- live events ----

  void start_events(const Request& req, EventFilter filter) {
    const std::string_view query = query_of(req);
    std::optional<std::string> last_id;
    if (auto h = req.find("Last-Event-ID"); h != req.end()) last_id = std::string(h->value());
    if (!last_id) last_id = query_param(query, "last_event_id");

    streaming_ = true;
    s_.streaming.fetch_add(1, std::memory_order_acq_rel);
    stream_.expires_never();
    // The kernel's share of a client's backlog stays small too, so the
    // -api-sse-buffer bound is what decides when a non-reader is dropped.
    beast::error_code ignored;
    stream_.socket().set_option(net::socket_base::send_buffer_size(kSocketSendBuffer), ignored);
    // Headers first; the hub's replay and live frames follow in order.
    replay_ = s_.ctx.hub.subscribe(weak_from_this(), std::move(filter), last_id);
    header_ = std::make_shared<const std::string>(
        std::string(req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1") +
        " 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n: rtmp-ingest live events\n\n");
    arm_keepalive();
    watch_peer();
    pump();
  }

  // A live-event client sends nothing after its GET, so a read that ends
  // means it went away (EOF, reset): its connection slot and the clients
  // gauge are released then, not at the next write that fails.
  void watch_peer() {
    stream_.socket().async_read_some(
        net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec) return self->watch_peer();  // bytes after the request: ignored
          self->close_events("read: " + ec.message());
        });
  }

  // The writer: one write in flight, gathering the header, then the replay,
  // then live frames; once finished and all written, it ends the response.
  void pump() {
    std::vector<std::shared_ptr<const std::string>> batch;
    bool end = false;
    {
      std::lock_guard lock(mu_);
      wake_posted_ = false;
      if (closed_) return;
      if (overflowed_) return drop_locked();
      if (writing_) return;
      if (header_) batch.push_back(std::move(header_));
      while (replay_next_ < replay_.size() && batch.size() < kFramesPerWrite)
        batch.push_back(std::move(replay_[replay_next_++]));
      while (!live_.empty() && batch.size() < kFramesPerWrite) {
        queued_bytes_ -= live_.front()->size();
        batch.push_back(std::move(live_.front()));
        live_.pop_front();
      }
      if (batch.empty() && finishing_) {
        closed_ = true;
        end = true;
      } else if (batch.empty()) {
        return;
      } else {
        writing_ = true;
      }
    }
    if (end) {
      spdlog::debug("api: live-event client {} ended: server shutting down", peer());
      return shut();
    }
    if (replay_next_ == replay_.size() && !replay_.empty()) {
      replay_.clear();
      replay_next_ = 0;
    }
    inflight_ = std::move(batch);
    iov_.clear();
    for (const auto& f : inflight_) iov_.emplace_back(f->data(), f->size());
    net::async_write(stream_.socket(), iov_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_frames_written(ec);
                     });
  }

  void on_frames_written(beast::error_code ec) {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
    }
    inflight_.clear();
    if (ec) return close_events(ec.message());
    pump();
  }

  void arm_keepalive() {
    keepalive_.expires_after(kKeepalive);
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      // A comment line: keeps proxies from timing the stream out and finds
      // peers that went away.
      static const auto ping = std::make_shared<const std::string>(": keepalive\n\n");
      if (self->deliver(ping)) self->arm_keepalive();
    });
  }

  // mu_ held.
  void drop_locked() {
    if (closed_) return;
    spdlog::warn(
        "api: live-event client {} dropped: {} bytes of events waiting, and the next "
        "would pass -api-sse-buffer {}",
        peer(), queued_bytes_, s_.options.sse_buffer_bytes);
    closed_ = true;
    // What it had queued, and the event that did not fit.
    if (s_.ctx.metrics) s_.ctx.metrics->sse_client_dropped(live_.size() + 1);
    live_.clear();
    queued_bytes_ = 0;
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->shut(); });
  }

  void close_events(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    spdlog::debug("api: live-event client {} gone: {}", peer(), why);
    shut();
  }

  void shut() {
    s_.ctx.hub.unsubscribe(this);
    keepalive_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  std::string peer() const {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (ec) return "unknown";
    const auto addr = ep.address();
    return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                        : fmt::format("{}:{}", addr.to_string(), ep.port());
  }

  // Ends our side, then reads (and drops) what the client still sends until
  // it closes or the read timeout passes: closing with its bytes unread
  // would reset the connection, and a client still sending (a refused body)
  // could lose the answer.
  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(s_.options.read_timeout);
    linger();
  }

  void linger() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->linger();
                            });
  }

  void fail(beast::error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    spdlog::debug("api http {}: {}", what, ec.message());
  }

  beast::tcp_stream stream_;
  net::steady_timer keepalive_;
  beast::flat_buffer buffer_{kMaxRequestBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
  common::ConnectionSlot slot_;
  Shared& s_;

  // Live events. The strand's: inflight_, iov_, replay_, streaming_.
  bool streaming_ = false;
  std::vector<std::shared_ptr<const std::string>> replay_;
  size_t replay_next_ = 0;
  std::vector<std::shared_ptr<const std::string>> inflight_;
  std::vector<net::const_buffer> iov_;
  std::array<char, 4096> discard_{};  // what a client sends that is not read as a request
  // Shared with the hub's thread, under mu_.
  std::mutex mu_;
  std::shared_ptr<const std::string> header_;
  std::deque<std::shared_ptr<const std::string>> live_;
  size_t queued_bytes_ = 0;
  bool wake_posted_ = false;
  bool writing_ = false;
  bool overflowed_ = false;
  bool finishing_ = false;
  bool closed_ = false;
};

}  // namespace

struct ApiServer::Impl {
  Impl(const ApiOptions& options, ApiContext context) : shared{options, std::move(context)} {}
  Shared shared;  // first: sessions still in the io_context refer to it
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread thread;
};

ApiServer::ApiServer(const ApiOptions& options, ApiContext context)
    : impl_(std::make_unique<Impl>(options, std::move(context))) {
  impl_->port = common::listen_tcp(impl_->acceptor, "api-addr", options.address);
  common::start_accept_loop(
      impl_->ioc, impl_->acceptor, {"api http", kMaxConnections},
      [s = &impl_->shared](tcp::socket socket, common::ConnectionSlot slot) {
        std::make_shared<Session>(std::move(socket), std::move(slot), *s)->run();
      });
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

void ApiServer::stop(std::chrono::steady_clock::time_point deadline) {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->shared.ctx.hub.finish();
  while (impl_->shared.streaming.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (const int left = impl_->shared.streaming.load(std::memory_order_acquire); left > 0)
    spdlog::warn("api: {} live-event clients had not read the last events at shutdown; closed",
                 left);
  impl_->ioc.stop();
  impl_->thread.join();
}

ApiServer::~ApiServer() {
  stop(std::chrono::steady_clock::now());
}

uint16_t ApiServer::port() const {
  return impl_->port;
}

}  // namespace rtmp::api
