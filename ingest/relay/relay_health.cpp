#include "common/duration.hpp"
#include "ingest/relay/relay_session.hpp"

// The relay's watch on its target: the timeouts checked every tick, and what
// the target's TCP stack says it acknowledged.
namespace rtmp::relay {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(250);

}  // namespace

// A failed connection's bytes are what the target acknowledged: what the
// writes handed to the kernel and it never took is not counted.
void RelaySession::count_acked_only() {
  const TcpProgress p = transport_ ? transport_->progress() : TcpProgress{};
  const uint64_t written = conn_bytes_.load(std::memory_order_relaxed);
  if (!p.known || p.acked >= written) return;
  conn_bytes_.store(p.acked, std::memory_order_relaxed);
  status_->bytes.fetch_sub(written - p.acked, std::memory_order_relaxed);
}

// Whether bytes wait for the target and it has acknowledged none of them for
// longer than `timeout`. The writes alone would tell only once the unsent
// bytes the socket may hold filled up, which at a low rate takes long.
bool RelaySession::ack_stalled(Clock::time_point now, Clock::duration timeout) {
  const TcpProgress p = transport_ ? transport_->progress() : TcpProgress{};
  if (!p.known) return false;
  if (p.acked != acked_seen_ || p.unacked == 0) {
    acked_seen_ = p.acked;
    acked_at_ = now;
    return false;
  }
  return now - acked_at_ > timeout;
}

void RelaySession::tick() {
  if (state_ == State::kStopped) return;
  const auto now = Clock::now();
  const auto timeout = options_.timeout;
  if (state_ == State::kConnecting && now - attempt_started_ > timeout) {
    fail(
        "timeout: the target did not accept the publish within " + common::format_duration(timeout),
        events::StopReason::kIdleTimeout);
  } else if (state_ == State::kLive && writing_ && now - write_started_ > timeout) {
    fail("timeout: a write to the target made no progress in " + common::format_duration(timeout),
         events::StopReason::kIdleTimeout);
  } else if (state_ == State::kLive && ack_stalled(now, timeout)) {
    fail("timeout: the target acknowledged nothing in " + common::format_duration(timeout),
         events::StopReason::kIdleTimeout);
  }
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->tick();
  });
}

}  // namespace rtmp::relay
