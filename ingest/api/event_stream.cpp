// The live event stream's connection (see api_connection.hpp): one write in
// flight, gathering the response head, then the replay after Last-Event-ID,
// then the live frames the EventHub hands over from the emitter's thread.
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ingest/api/api_connection.hpp"

namespace rtmp::api {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Frame = std::shared_ptr<const std::string>;

constexpr size_t kFramesPerWrite = 64;
constexpr int kSocketSendBuffer = 64 * 1024;

class EventStream : public std::enable_shared_from_this<EventStream>, public EventClient {
 public:
  EventStream(tcp::socket&& socket, common::ConnectionSlot slot, ApiShared& shared)
      : socket_(std::move(socket)),
        keepalive_(socket_.get_executor()),
        slot_(std::move(slot)),
        s_(shared) {
    s_.streaming.fetch_add(1, std::memory_order_acq_rel);
  }
  ~EventStream() override {
    s_.ctx.hub.unsubscribe(this);
    s_.streaming.fetch_sub(1, std::memory_order_acq_rel);
  }

  // On the connection's strand.
  void start(const Request& req, EventFilter filter) {
    std::optional<std::string> last_id;
    if (auto h = req.find("Last-Event-ID"); h != req.end()) last_id = std::string(h->value());
    if (!last_id) last_id = query_param(query_of(req), "last_event_id");
    // The kernel's share of a client's backlog stays small too, so the
    // -api-sse-buffer bound is what decides when a non-reader is dropped.
    error_code ignored;
    socket_.set_option(net::socket_base::send_buffer_size(kSocketSendBuffer), ignored);
    // Headers first; the hub's replay and live frames follow in order.
    replay_ = s_.ctx.hub.subscribe(weak_from_this(), std::move(filter), last_id);
    // X-Keepalive-Interval-Ms tells a client how long a silence may last
    // before the stream has stalled (a stopped server, a proxy holding the
    // connection open); the dashboard reconnects after three.
    const auto keepalive_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(s_.options.sse_keepalive).count();
    header_ = std::make_shared<const std::string>(
        std::string(req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1") +
        " 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nX-Keepalive-Interval-Ms: " +
        std::to_string(keepalive_ms) +
        "\r\nConnection: close\r\n\r\n: rtmp-ingest live events\n\n");
    arm_keepalive();
    watch_peer();
    pump();
  }

  // The hub's thread: queue `frame` for the writer, or give up when the
  // client let its buffer fill.
  bool deliver(const Frame& frame) noexcept override {
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
    if (wake) net::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
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
    if (wake) net::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

 private:
  // A live-event client sends nothing after its GET, so a read that ends
  // means it went away (EOF, reset): its connection slot and the clients
  // gauge are released then, not at the next write that fails.
  void watch_peer() {
    socket_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (!ec) return self->watch_peer();  // bytes after the request
                              self->close_events("read: " + ec.message());
                            });
  }

  // The writer: one write in flight, gathering the header, then the replay,
  // then live frames; once finished and all written, it ends the response.
  void pump() {
    std::vector<Frame> batch;
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
      spdlog::debug("api: live-event client {} ended: server shutting down", peer_text(socket_));
      return shut();
    }
    if (replay_next_ == replay_.size() && !replay_.empty()) {
      replay_.clear();
      replay_next_ = 0;
    }
    inflight_ = std::move(batch);
    iov_.clear();
    for (const auto& f : inflight_) iov_.emplace_back(f->data(), f->size());
    net::async_write(socket_, iov_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_frames_written(ec);
    });
  }

  void on_frames_written(error_code ec) {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
    }
    inflight_.clear();
    if (ec) return close_events(ec.message());
    pump();
  }

  void arm_keepalive() {
    if (s_.options.sse_keepalive <= common::Duration::zero()) return;
    keepalive_.expires_after(s_.options.sse_keepalive);
    keepalive_.async_wait([self = shared_from_this()](error_code ec) {
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
        peer_text(socket_), queued_bytes_, s_.options.sse_buffer_bytes);
    closed_ = true;
    // What it had queued, and the event that did not fit.
    if (s_.ctx.metrics) s_.ctx.metrics->sse_client_dropped(live_.size() + 1);
    live_.clear();
    queued_bytes_ = 0;
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->shut(); });
  }

  void close_events(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    spdlog::debug("api: live-event client {} gone: {}", peer_text(socket_), why);
    shut();
  }

  void shut() {
    s_.ctx.hub.unsubscribe(this);
    keepalive_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  net::steady_timer keepalive_;
  common::ConnectionSlot slot_;
  ApiShared& s_;
  // The strand's.
  std::vector<Frame> replay_;
  size_t replay_next_ = 0;
  std::vector<Frame> inflight_;
  std::vector<net::const_buffer> iov_;
  std::array<char, 4096> discard_{};
  // Shared with the hub's thread, under mu_.
  std::mutex mu_;
  Frame header_;
  std::deque<Frame> live_;
  size_t queued_bytes_ = 0;
  bool wake_posted_ = false;
  bool writing_ = false;
  bool overflowed_ = false;
  bool finishing_ = false;
  bool closed_ = false;
};

}  // namespace

void start_event_stream(tcp::socket socket, common::ConnectionSlot slot, ApiShared& shared,
                        const Request& req, EventFilter filter) {
  std::make_shared<EventStream>(std::move(socket), std::move(slot), shared)
      ->start(req, std::move(filter));
}

std::string peer_text(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto addr = ep.address();
  return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                      : fmt::format("{}:{}", addr.to_string(), ep.port());
}

}  // namespace rtmp::api
