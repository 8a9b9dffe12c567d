// A session's writes (see session.hpp): what goes to the peer, in order —
// the protocol's own bytes, a joining player's burst, then its link's
// messages — gathered into one writev, one write in flight, held back for
// the merge window.
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/write.hpp>
#include <span>
#include <utility>

#include "ingest/server/session.hpp"

namespace rtmp::server {
namespace {

constexpr size_t kMaxIovecs = 64;   // messages gathered into one writev
constexpr size_t kKeptIovecs = 16;  // write arrays kept between writes (see on_write)

}  // namespace

void Session::take_control() {
  auto& pending = rtmp_.output();
  if (pending.empty()) return;
  out_.push_back(OutItem{nullptr, std::move(pending), nullptr, 0});
  pending.clear();
}

void Session::add_media(registry::MediaPtr m) {
  if (play_stream_id_ != registry::kPlayerStreamId && play_stream_id_ != 0)
    return add_bytes(registry::rechunk_for_stream(*m, play_stream_id_, rtmp_.out_chunk_size()));
  iov_.emplace_back(m->chunked.data(), m->chunked.size());
  inflight_media_.push_back(std::move(m));
}

void Session::add_bytes(std::vector<uint8_t> bytes) {
  // Moving the vector keeps its storage, so the iovec stays valid.
  iov_.emplace_back(bytes.data(), bytes.size());
  inflight_bytes_.push_back(std::move(bytes));
}

void Session::clear_inflight() {
  iov_.clear();
  inflight_media_.clear();
  inflight_bytes_.clear();
}

// Adds the burst's next messages to the write. The first write of a burst
// ends with its keyframe (returns true): when many players join at once, each
// one's first frame goes out before anybody's rest of the GOP does.
bool Session::take_burst(OutItem& item) {
  const registry::Burst& burst = *item.burst;
  while (item.next < burst.messages.size() && iov_.size() < kMaxIovecs) {
    add_media(burst.messages[item.next++]);
    if (item.next == burst.head) return true;
  }
  return false;
}

void Session::flush() {
  if (writing_ || closed_) return;
  take_control();
  registry::PlayerLink* link = media_attached_ ? player_link() : nullptr;
  bool cut = false;  // this write ends at a burst's keyframe
  for (;;) {
    if (link && link->kicked()) {
      ctx_.counters.players_dropped.fetch_add(1);
      close(events::StopReason::kKicked, "player too slow: still behind after skipping ahead");
      return;
    }
    clear_inflight();
    cut = false;
    while (!out_.empty() && iov_.size() < kMaxIovecs && !cut) {
      OutItem& front = out_.front();
      if (front.burst) {
        cut = take_burst(front);
        if (front.next == front.burst->messages.size()) out_.pop_front();
        continue;
      }
      OutItem item = std::move(front);
      out_.pop_front();
      if (item.media) {
        add_media(std::move(item.media));
      } else {
        add_bytes(std::move(item.bytes));
      }
    }
    registry::MediaPtr m;
    while (link && !cut && out_.empty() && iov_.size() < kMaxIovecs && link->pop(m)) {
      if (admits(m)) add_media(std::move(m));
    }
    if (!iov_.empty()) break;
    if (!link || link->go_idle()) {
      if (!closing_reason_.empty()) close(closing_stop_, closing_reason_);
      return;  // nothing to send; a wake will come
    }
  }
  writing_ = true;
  head_in_flight_ = cut;
  write_started_ = Clock::now();
  if (tls_) {
    // TLS gathers the buffers into records of its own (up to 8 KiB each).
    if (!tls_write_slot_) tls_write_slot_ = std::make_unique<TlsWriteSlot>();
    return net::async_write(
        *tls_, iov_,
        net::bind_allocator(
            TlsWriteAllocator(*tls_write_slot_),
            net::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t n) {
              self->on_write(ec, n);
            })));
  }
  iov_next_ = 0;
  written_ = 0;
  write_some();
}

// One writev of what is left of the write in flight. The operation is given a
// view of the session's iovecs, not a copy of them.
void Session::write_some() {
  const std::span<const net::const_buffer> rest(iov_.data() + iov_next_,
                                                std::min(iov_.size() - iov_next_, kMaxIovecs));
  socket_.async_write_some(
      rest, net::bind_allocator(
                WriteAllocator(write_slot_),
                net::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t n) {
                  self->on_write_some(ec, n);
                })));
}

// Skips what the writev took (a partly written iovec is advanced in place,
// empty ones are passed over) and writes the rest, until all of it went out
// or an error ends the write.
void Session::on_write_some(const boost::system::error_code& ec, size_t n) {
  written_ += n;
  if (!ec && !closed_) {
    for (; iov_next_ < iov_.size(); ++iov_next_) {
      net::const_buffer& b = iov_[iov_next_];
      if (n < b.size()) {
        b += n;
        break;
      }
      n -= b.size();
    }
    if (iov_next_ < iov_.size()) return write_some();
  }
  on_write(ec, written_);
}

void Session::on_wake() {
  const auto window = merge_.window();
  if (window <= common::Duration::zero() || !closing_reason_.empty()) return flush();
  flush_at(Clock::now() + window);
}

void Session::flush_at(Clock::time_point due) {
  if (merge_armed_) return;  // a flush is already due
  merge_armed_ = true;
  merge_timer_.expires_at(due);
  merge_timer_.async_wait(
      net::bind_allocator(TimerAllocator(timer_slot_), [self = shared_from_this()](auto ec) {
        self->merge_armed_ = false;
        if (!ec) self->flush();
      }));
}

void Session::close_after_flush(events::StopReason reason, const std::string& why) {
  closing_stop_ = reason;
  closing_reason_ = why;
  flush();
}

void Session::on_write(const boost::system::error_code& ec, size_t n) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    if (peer_unreachable(ec))
      return close(events::StopReason::kIdleTimeout, "peer unreachable: write: " + ec.message());
    const bool gone = ec == net::error::broken_pipe || ec == net::error::connection_reset;
    close(gone ? events::StopReason::kDisconnect : events::StopReason::kError,
          "write: " + ec.message());
    return;
  }
  ctx_.counters.bytes_out.fetch_add(n, std::memory_order_relaxed);
  io_->bytes_out.fetch_add(n, std::memory_order_relaxed);
  const auto now = Clock::now();  // one clock read for the window's rate and its due time
  merge_.wrote(n, now);
  clear_inflight();
  // A burst or a catch-up write gathers up to kMaxIovecs items (~2 KiB of
  // pointers and iovecs); a player that keeps up writes a few per merge
  // window. Keeping the large arrays would cost every player that joined
  // with a burst those 2 KiB for as long as it plays.
  if (iov_.capacity() > kKeptIovecs) {
    iov_ = {};
    inflight_media_ = {};
    inflight_bytes_ = {};
  }
  // The rest of a burst waits for the merge window like woken media does, so
  // other players joining now get their first frames before it.
  if (std::exchange(head_in_flight_, false)) return on_wake();
  if (hold_for_window(now)) return;
  flush();
}

// Media that arrived while a write was in flight waits for the rest of that
// write's merge window: at most one media write per window, also when the
// loop is slow. (Flushing at once here made a busy server write each player
// whatever one loop iteration brought, ~2 KiB at a time: more writes, more
// CPU, slower iterations; at 3,000 players and -merge-write 200ms it ran at
// 100 % CPU with 34 writes per player per second instead of 5.)
bool Session::hold_for_window(Clock::time_point now) {
  if (!closing_reason_.empty() || !out_.empty()) return false;
  const registry::PlayerLink* link = player_link();
  if (!link || !media_attached_ || link->queued() == 0) return false;
  const auto due = merge_.hold_until(write_started_, now);
  if (!due) return false;
  flush_at(*due);
  return true;
}

}  // namespace rtmp::server
