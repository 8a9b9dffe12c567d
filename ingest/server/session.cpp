#include "ingest/server/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <span>
#include <utility>

#include "common/logging.hpp"

namespace rtmp::server {
namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

Session::Session(Socket socket, SessionContext& ctx, std::string conn_id, std::string remote_addr,
                 std::shared_ptr<net::ssl::context> tls)
    : ctx_(ctx),
      socket_(std::move(socket)),
      tls_ctx_(std::move(tls)),
      tls_(tls_ctx_ ? std::make_unique<TlsStream>(socket_, *tls_ctx_) : nullptr),
      strand_(net::make_strand(socket_.get_executor())),
      timer_(strand_),
      merge_timer_(strand_),
      merge_(ctx.options.merge_write, ctx.options.merge_write_bytes),
      conn_id_(std::move(conn_id)),
      remote_addr_(std::move(remote_addr)),
      rtmp_(ctx.options.connection, *this) {
  ctx_.counters.connections_open.fetch_add(1);
  ctx_.counters.connections_total.fetch_add(1);
}

Session::~Session() {
  ctx_.counters.connections_open.fetch_sub(1);
  if (closed_) return;
  // Destroyed without close() (its io_context went away): the roles end
  // first (their handles emit the stops), then the connection.
  const events::StopReason reason = ctx_.registry.unowned_end_reason();
  publish_.reset();
  player_ = {};
  player_listing_.reset();
  if (connection_open_) emit_close(reason);
}

const char* Session::role_name() const {
  switch (role_) {
    case Role::kPublisher:
      return "publisher";
    case Role::kSubscriber:
      return "subscriber";
    case Role::kNone:
      break;
  }
  return "none";
}

void Session::emit(events::EventData data) {
  ctx_.events.emit(events::Event{conn_id_, stream_key_, std::move(data), 0});
}

void Session::emit_close(events::StopReason reason) {
  events::Event close{conn_id_, stream_key_,
                      events::ConnectionClose{role_name(), seconds_since(accepted_at_),
                                              events::stop_reason_name(reason)},
                      0};
  record::emit_after(recording_tail_, ctx_.events, std::move(close));
}

void Session::start() {
  net::dispatch(strand_, [self = shared_from_this()] {
    self->accepted_at_ = self->last_read_ = Clock::now();
    self->connection_open_ = true;
    self->emit(events::ConnectionAccept{self->remote_addr_, self->tls_ ? "rtmps" : "rtmp"});
    boost::system::error_code ec;
    self->socket_.set_option(tcp::no_delay(true), ec);
    self->enable_keepalive();
    self->arm_timer();
    if (self->tls_) return self->tls_peek();
    self->do_read();
  });
}

// A player waiting for its publisher writes nothing and reads nothing, so a
// peer whose network went away would go unnoticed forever: TCP keepalive
// probes it once the connection has been silent for -idle-timeout, and a
// peer that answers none of three (a third of that apart) ends the read
// with ETIMEDOUT. Bytes sent just before the network went (a play's status
// messages) would put the probes off until retransmission gives up, many
// minutes later: TCP_USER_TIMEOUT bounds unacknowledged data by the same
// span (or -write-timeout, when longer) while nothing flows.
void Session::enable_keepalive() {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  boost::system::error_code ec;
  socket_.set_option(net::socket_base::keep_alive(true), ec);
  if (ec) return;
  const int idle = static_cast<int>(
      std::clamp<int64_t>(duration_cast<seconds>(ctx_.options.idle_timeout).count(), 1, 32767));
  const int interval = std::max(1, idle / 3);
  const int probes = 3;
  const int fd = socket_.native_handle();
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  const int64_t write_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.options.write_timeout).count();
  user_timeout_ms_ = static_cast<unsigned>(std::min<int64_t>(
      std::max<int64_t>((idle + probes * interval) * 1000LL, write_ms), INT32_MAX));
  bound_unacknowledged(true);
}

// While media flows to a player, a peer that stops reading (a zero window)
// or whose network went away (writes stall) is the write timeout's to close,
// with its own reason. The kernel, probing that window from the moment it
// closed, would abort the connection first, as an error named after
// whichever side (read or write) saw it: the bound is lifted then, and put
// back while the player waits for a publisher.
void Session::bound_unacknowledged(bool on) {
  const unsigned ms = on ? user_timeout_ms_ : 0;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

// Keepalive probes or data unanswered for too long (the reason is the last
// ICMP error seen when there was one), as the read or the write sees it.
bool Session::peer_unreachable(const boost::system::error_code& ec) {
  return ec == net::error::timed_out || ec == net::error::host_unreachable ||
         ec == net::error::network_unreachable;
}

int64_t Session::unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Session::close_from_outside(events::StopReason reason, const std::string& why) {
  net::post(strand_, [self = shared_from_this(), reason, why] { self->close(reason, why); });
}

void Session::shutdown(const std::string& why) {
  net::post(strand_,
            [self = shared_from_this(), why] { self->close(events::StopReason::kShutdown, why); });
}

// ---- reading ----

void Session::do_read() {
  auto done = net::bind_executor(
      strand_, [self = shared_from_this()](auto ec, size_t n) { self->on_read(ec, n); });
  const auto buf = net::buffer(read_buf_.get(), read_cap_);
  if (tls_) return tls_->async_read_some(buf, std::move(done));
  socket_.async_read_some(buf, std::move(done));
}

void Session::on_read(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (!closing_reason_.empty()) return;  // refused: no more input taken
  if (ec) {
    // A TLS peer that closes without close_notify (a killed encoder, most
    // players) has closed the connection all the same.
    if (ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::ssl::error::stream_truncated)
      return close(events::StopReason::kDisconnect, "peer closed the connection");
    if (peer_unreachable(ec))
      return close(events::StopReason::kIdleTimeout, "peer unreachable: " + ec.message());
    return close(events::StopReason::kError, "read: " + ec.message());
  }
  last_read_ = Clock::now();
  ctx_.counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
  io_->bytes_in.fetch_add(n, std::memory_order_relaxed);
  if (auto err = rtmp_.feed({read_buf_.get(), n}); !err.empty()) {
    ctx_.counters.protocol_errors.fetch_add(1);
    // What the connection answered (a refused connect's _error) goes out first.
    if (!rtmp_.output().empty())
      return close_after_flush(events::StopReason::kError, "protocol error: " + err);
    close(events::StopReason::kError, "protocol error: " + err);
    return;
  }
  if (closed_) return;  // a handler (e.g. a refused auth) closed it
  if (auth_pending_ && rtmp_.hold_full()) {
    // The client is ahead of the auth answer by the whole hold: let TCP
    // hold the rest until the answer resumes reading.
    read_paused_ = true;
    return flush();
  }
  if (n == read_cap_ && read_cap_ < kReadMax && role_ == Role::kPublisher) {
    // Fed and done with: the old bytes need not move.
    read_cap_ = kReadMax;
    read_buf_ = std::make_unique_for_overwrite<uint8_t[]>(read_cap_);
  }
  flush();
  do_read();
}

// ---- timers: connect deadline, idle read timeout, write timeout ----

// Wakes just past the nearest deadline, so a timeout fires when it is due
// rather than up to a tick late, and at least every second (a kicked player
// that stopped reading is found by the tick). Never more often than every 50 ms.
void Session::arm_timer() {
  using std::chrono::milliseconds;
  const auto& o = ctx_.options;
  const auto now = Clock::now();
  auto next = now + std::chrono::seconds(1);
  if (!rtmp_.connected()) next = std::min(next, accepted_at_ + o.handshake_timeout);
  if (!player_ && !read_paused_) next = std::min(next, last_read_ + o.idle_timeout);
  if (writing_) next = std::min(next, write_started_ + o.write_timeout);
  timer_.expires_at(std::max(next, now + milliseconds(50)) + milliseconds(1));
  timer_.async_wait([self = shared_from_this()](auto ec) { self->on_tick(ec); });
}

void Session::on_tick(const boost::system::error_code& ec) {
  if (ec || closed_) return;
  const auto now = Clock::now();
  const auto& o = ctx_.options;
  using events::StopReason;
  // The deadline runs to a completed connect, not to the last byte: a client
  // trickling its connect a byte at a time is closed all the same.
  if (!rtmp_.connected() && now - accepted_at_ > o.handshake_timeout)
    return close(StopReason::kIdleTimeout,
                 rtmp_.handshake_done() ? "connect timeout: no connect within -handshake-timeout"
                 : tls_ && !tls_handshake_done_ ? "TLS handshake timeout"
                                                : "handshake timeout");
  // A playing player need not send anything; the write timeout watches it
  // instead. Once its play has ended, it is idle like any connection.
  if (!player_ && !read_paused_ && now - last_read_ > o.idle_timeout)
    return close(StopReason::kIdleTimeout, "idle timeout: nothing received");
  // A kick is otherwise seen only when a write completes; a peer that stopped
  // reading never completes one, so the tick looks too.
  if (const auto* link = player_link(); link && link->kicked()) {
    ctx_.counters.players_dropped.fetch_add(1);
    return close(StopReason::kKicked, "player too slow: still behind after skipping ahead");
  }
  if (writing_ && now - write_started_ > o.write_timeout) {
    if (!closing_reason_.empty()) return close(closing_stop_, closing_reason_);
    return close(StopReason::kIdleTimeout, "write timeout: peer not reading");
  }
  arm_timer();
}

// ---- teardown ----

void Session::close(events::StopReason reason, const std::string& why) {
  if (closed_) return;
  const common::log::Fields where{
      .conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_};
  // The ordinary ends of a connection at INFO, and an auth refusal, whose
  // WARN refuse() wrote; the rest need a look.
  if (reason == events::StopReason::kDisconnect || reason == events::StopReason::kShutdown ||
      reason == events::StopReason::kClient || reason == events::StopReason::kAuth) {
    common::log::info(where, "closing: {}", why);
  } else {
    common::log::warn(where, "closing: {}", why);
  }
  if (publish_) end_publish(reason, false);
  if (player_) end_play(reason);
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  merge_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (connection_open_) emit_close(reason);
  out_.clear();
}

// ---- RtmpDelegate: connection level ----

void Session::on_handshake_complete() {
  emit(events::HandshakeComplete{});
}

void Session::on_connect(const std::string& app, const std::string& tc_url) {
  common::log::debug({.conn_id = conn_id_}, "connect app={} tcUrl={}", app, tc_url);
}

}  // namespace rtmp::server
