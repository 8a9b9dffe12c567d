#include "ingest/relay/relay_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <limits>
#include <random>

#include "common/logging.hpp"

namespace rtmp::relay {
namespace {

using Clock = std::chrono::steady_clock;
// Gathered per write: enough for a keyframe and what came with it, small
// enough that one write to a slow target does not hold much.
constexpr size_t kBatchBytes = 256 * 1024;
constexpr auto kUnpublishGrace = std::chrono::seconds(2);

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

const char* relay_stop_reason(events::StopReason reason) {
  switch (reason) {
    case events::StopReason::kClient:
      return "source";  // the publish ended
    case events::StopReason::kShutdown:
      return "shutdown";
    case events::StopReason::kDisconnect:
      return "disconnect";
    case events::StopReason::kIdleTimeout:
      return "timeout";
    default:
      return "error";
  }
}

}  // namespace

// The registry's view of the relay: a consumer that is not a player and
// starts when its target accepted the publish. A separate object, so the
// stream's reference does not keep the session alive.
class RelaySession::Sub final : public registry::Subscriber {
 public:
  Sub(std::weak_ptr<RelaySession> session, size_t queue, std::string target)
      : session_(session),
        target_(std::move(target)),
        // Never kicked: a relay that falls behind skips to keyframes; one
        // that stops taking writes is dropped and reconnected by its session.
        link_(queue, std::numeric_limits<uint32_t>::max(), [session] {
          if (auto s = session.lock()) net::post(s->strand_, [s] { s->on_wake(); });
        }) {}

  registry::PlayerLink& link() override { return link_; }
  void on_attach(registry::BurstPtr burst) override {
    if (auto s = session_.lock())
      net::post(s->strand_, [s, burst = std::move(burst)]() mutable { s->on_attach(burst); });
  }
  // A relay ends with its publish (its role ends before the publisher's).
  void on_publisher_gone() override {}
  events::EventData start_event() const override { return events::RelayStart{target_}; }
  events::EventData stop_event(events::StopReason reason, double duration_sec) const override {
    const auto s = session_.lock();
    return events::RelayStop{target_, s ? s->connection_bytes() : 0, duration_sec,
                             relay_stop_reason(reason)};
  }
  bool counts_as_player() const override { return false; }
  bool starts_at_join() const override { return false; }

 private:
  std::weak_ptr<RelaySession> session_;
  const std::string target_;
  registry::PlayerLink link_;
};

std::shared_ptr<RelaySession> RelaySession::create(net::io_context::executor_type executor,
                                                   RelayEndpoint endpoint,
                                                   const RelayOptions& options, uint32_t chunk_size,
                                                   std::string conn_id, std::string key) {
  std::shared_ptr<RelaySession> s(new RelaySession(executor, std::move(endpoint), options,
                                                   chunk_size, std::move(conn_id), std::move(key)));
  s->subscriber_ = std::make_shared<Sub>(s, options.queue, s->endpoint_.redacted);
  return s;
}

RelaySession::RelaySession(net::io_context::executor_type executor, RelayEndpoint endpoint,
                           const RelayOptions& options, uint32_t chunk_size, std::string conn_id,
                           std::string key)
    : strand_(net::make_strand(executor)),
      endpoint_(std::move(endpoint)),
      options_(options),
      chunk_size_(chunk_size),
      conn_id_(std::move(conn_id)),
      key_(std::move(key)),
      retry_timer_(strand_),
      tick_timer_(strand_),
      merge_timer_(strand_),
      backoff_(options.retry_min, options.retry_max, std::random_device{}()),
      status_(std::make_shared<registry::RelayStatus>(endpoint_.redacted)),
      merge_(options.merge_write, options.merge_write_bytes) {}

std::shared_ptr<registry::Subscriber> RelaySession::subscriber() const {
  return subscriber_;
}

void RelaySession::start(std::shared_ptr<registry::ConsumerEvents> events) {
  net::post(strand_, [self = shared_from_this(), events = std::move(events)]() mutable {
    self->events_ = std::move(events);
    if (self->state_ == State::kStopped) return;
    self->tick();
    self->connect();
  });
}

void RelaySession::stop() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::kStopped) return;
    const bool live = self->state_ == State::kLive;
    // The source has ended: what it sent last is still in the link, and the
    // merge window may hold a batch. A live target gets all of it.
    if (live && self->attached_) {
      registry::MediaPtr m;
      while (self->subscriber_->link().pop(m)) self->handle(m);
    }
    self->state_ = State::kStopped;
    self->status_->live.store(false, std::memory_order_relaxed);
    ++self->gen_;
    self->retry_timer_.cancel();
    self->tick_timer_.cancel();
    self->merge_timer_.cancel();
    if (!self->transport_) return;
    if (!live) {
      self->pending_.clear();
      return self->close_transport();
    }
    if (!self->writing_) return self->finish();
    // on_write finishes once the write in flight is done; a target that
    // does not take it within the grace is closed.
    self->finishing_ = true;
    self->retry_timer_.expires_after(kUnpublishGrace);
    self->retry_timer_.async_wait([self](const boost::system::error_code& ec) {
      if (ec || !self->finishing_) return;
      self->finishing_ = false;
      self->close_transport();
    });
  });
}

// The bytes of `items`, for one gathered write; `items` outlive it.
std::vector<net::const_buffer> RelaySession::buffers_of(const std::vector<Item>& items) {
  std::vector<net::const_buffer> buffers;
  buffers.reserve(items.size());
  for (const auto& item : items)
    buffers.push_back(item.media ? net::buffer(item.media->chunked) : net::buffer(item.bytes));
  return buffers;
}

void RelaySession::close_transport() {
  if (auto transport = std::move(transport_)) transport->close();
}

// After the source ended, live: the media not yet written, then a clean end
// for the target (FCUnpublish, deleteStream), all within kUnpublishGrace.
void RelaySession::finish() {
  client_->unpublish();
  auto items = std::make_shared<std::vector<Item>>(std::move(pending_));
  pending_.clear();
  pending_bytes_ = 0;
  items->push_back(Item{nullptr, std::move(client_->output())});
  client_->output().clear();
  auto buffers = buffers_of(*items);
  auto transport = std::move(transport_);
  auto timer = std::make_shared<decltype(retry_timer_)>(strand_);
  timer->expires_after(kUnpublishGrace);
  timer->async_wait([transport, timer](const boost::system::error_code&) { transport->close(); });
  transport->async_write(
      std::move(buffers),
      [transport, items, timer](const boost::system::error_code&, size_t) { timer->cancel(); });
}

void RelaySession::connect() {
  if (state_ == State::kStopped) return;
  ++gen_;
  state_ = State::kConnecting;
  attempt_started_ = Clock::now();
  media_write_started_ = {};
  conn_bytes_.store(0, std::memory_order_relaxed);
  std::string error;
  transport_ = make_transport(endpoint_.scheme, strand_, options_.transport, error);
  if (!transport_) return fail(error, events::StopReason::kError);
  protocol::ClientOptions o;
  o.app = endpoint_.app;
  o.tc_url = endpoint_.tc_url;
  o.stream_name = endpoint_.stream_name;
  o.out_chunk_size = chunk_size_;
  client_.emplace(std::move(o));
  transport_->async_connect(
      endpoint_.host, endpoint_.port,
      [self = shared_from_this(), gen = gen_](std::string err) { self->on_connected(gen, err); });
}

void RelaySession::on_connected(uint64_t gen, const std::string& error) {
  if (gen != gen_ || state_ != State::kConnecting) return;
  if (!error.empty()) return fail(error, events::StopReason::kError);
  client_->start();
  flush();
  do_read(gen);
}

void RelaySession::do_read(uint64_t gen) {
  transport_->async_read_some(net::buffer(read_buf_), [self = shared_from_this(), gen](
                                                          const boost::system::error_code& ec,
                                                          size_t n) { self->on_read(gen, ec, n); });
}

void RelaySession::on_read(uint64_t gen, const boost::system::error_code& ec, size_t n) {
  if (gen != gen_ || (state_ != State::kConnecting && state_ != State::kLive)) return;
  if (ec) {
    // Over TLS a close without close_notify reads as a truncated stream.
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated)
      return fail("the target closed the connection", events::StopReason::kDisconnect);
    return fail("read: " + ec.message(), events::StopReason::kDisconnect);
  }
  if (auto err = client_->feed({read_buf_.data(), n}); !err.empty())
    return fail(err, events::StopReason::kError);
  if (state_ == State::kConnecting && client_->published()) on_live();
  flush();
  do_read(gen);
}

void RelaySession::on_live() {
  state_ = State::kLive;
  status_->live.store(true, std::memory_order_relaxed);
  live_since_ = Clock::now();
  acked_seen_ = 0;
  acked_at_ = live_since_;
  events_->start();
  common::log::info({.conn_id = conn_id_, .stream_key = key_}, "relay started target={}",
                    endpoint_.redacted);
  // The target starts like a new player: description, configs, a keyframe.
  need_keyframe_ = has_video_;
  std::vector<registry::MediaPtr> start;
  if (metadata_) start.push_back(metadata_);
  configs_.append_to(start);
  for (const auto& m : start) take(m);
  if (gop_open_ && !gop_.empty()) {
    for (const auto& m : gop_) take(m);
    need_keyframe_ = false;
  }
  drain();
}

void RelaySession::fail(const std::string& why, events::StopReason reason) {
  if (state_ == State::kStopped) return;
  const bool was_live = state_ == State::kLive;
  status_->live.store(false, std::memory_order_relaxed);
  status_->failures.fetch_add(1, std::memory_order_relaxed);
  ++gen_;  // handlers of this connection are stale now
  if (was_live) count_acked_only();
  if (transport_) transport_->close();
  transport_.reset();
  client_.reset();
  pending_.clear();
  pending_bytes_ = 0;
  merge_timer_.cancel();
  merge_armed_ = false;
  if (was_live) events_->stop(reason);
  // A connection that worked starts the backoff over; one that a target
  // accepted and dropped at once (a refusal after NetStream.Publish.Start)
  // did not work, or such a target would be reconnected every -relay-retry-min.
  if (was_live && Clock::now() - live_since_ >= options_.retry_min) backoff_.reset();
  const auto delay = backoff_.next();
  events_->emit(events::RelayError{endpoint_.redacted, why, backoff_.failures(), seconds(delay)});
  common::log::warn({.conn_id = conn_id_, .stream_key = key_},
                    "relay failed target={} error=\"{}\" attempt={} retry_in={:.2f}s",
                    endpoint_.redacted, why, backoff_.failures(), seconds(delay));
  state_ = State::kWaiting;
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait(
      [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
        if (!ec && gen == self->gen_ && self->state_ == State::kWaiting) self->connect();
      });
  drain();  // the queue keeps moving (dropped) while the target is away
}

void RelaySession::on_attach(registry::BurstPtr burst) {
  if (state_ == State::kStopped) return;
  attached_ = true;
  for (const auto& m : burst->messages) handle(m);
  drain();
}

void RelaySession::on_wake() {
  drain();
}

void RelaySession::handle(const registry::MediaPtr& m) {
  // Kept across reconnects: what a target needs before media.
  if (!m->video && !m->audio) {
    if (m->sequence_header) metadata_ = m;
  } else if (m->sequence_header) {
    configs_.keep(m);
  } else {
    configs_.forget_other_codec(*m);
  }
  if (m->video) has_video_ = true;
  keep_gop(m);
  if (state_ != State::kLive) return;
  if (need_keyframe_ && !m->sequence_header) {
    if (m->video && m->keyframe) {
      need_keyframe_ = false;
    } else {
      return;  // never a stream that starts mid-GOP
    }
  }
  take(m);
}

void RelaySession::keep_gop(const registry::MediaPtr& m) {
  if (m->sequence_header || (!m->video && !m->audio)) return;
  if (m->video && m->keyframe) {
    gop_.clear();
    gop_open_ = true;
  }
  if (!gop_open_) return;
  if (gop_.size() >= options_.queue) {
    gop_.clear();
    gop_open_ = false;  // too long to keep; start again at the next keyframe
    return;
  }
  gop_.push_back(m);
}

void RelaySession::take(const registry::MediaPtr& m) {
  pending_bytes_ += m->payload.size();
  // The fan-out's bytes are chunked for stream 1 at our chunk size; a target
  // that gave another stream id gets a copy.
  if (client_->stream_id() == registry::kPlayerStreamId) {
    pending_.push_back(Item{m, {}});
  } else {
    pending_.push_back(
        Item{nullptr, registry::rechunk_for_stream(*m, client_->stream_id(), chunk_size_)});
  }
}

void RelaySession::drain() {
  if (!attached_ || state_ == State::kStopped) return;
  registry::PlayerLink& link = subscriber_->link();
  for (;;) {
    registry::MediaPtr m;
    while (!(state_ == State::kLive && (writing_ || pending_bytes_ >= kBatchBytes)) && link.pop(m))
      handle(m);
    // Held: the link stays busy (no wake per message); the timer drains.
    if (hold_for_window()) return;
    flush();
    // While a write is in flight the link stays busy (no wake): on_write drains.
    if (state_ == State::kLive && writing_) return;
    if (link.go_idle()) return;
  }
}

// Whether media waits for the merge window instead of being written now: only
// while live with nothing in flight, nothing but media to send, less than a
// batch gathered, and a media write begun less than a window ago.
bool RelaySession::hold_for_window() {
  if (state_ != State::kLive || writing_ || pending_.empty() || pending_bytes_ >= kBatchBytes ||
      !client_->output().empty())  // live: client_ is set
    return false;
  const auto due = merge_.hold_until(media_write_started_, Clock::now());
  if (!due) return false;
  if (merge_armed_) return true;
  merge_armed_ = true;
  merge_timer_.expires_at(*due);
  merge_timer_.async_wait(
      [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
        if (gen != self->gen_) return;  // that connection is over (fail() disarmed)
        self->merge_armed_ = false;
        if (!ec) self->drain();
      });
  return true;
}

void RelaySession::flush() {
  if (writing_ || !transport_ || !client_) return;
  if (!client_->output().empty()) {
    inflight_.push_back(Item{nullptr, std::move(client_->output())});
    client_->output().clear();
  }
  for (auto& item : pending_) inflight_.push_back(std::move(item));
  pending_.clear();
  pending_bytes_ = 0;
  if (inflight_.empty()) return;
  auto buffers = buffers_of(inflight_);
  writing_ = true;
  write_started_ = Clock::now();
  if (state_ == State::kLive) media_write_started_ = write_started_;
  transport_->async_write(std::move(buffers), [self = shared_from_this(), gen = gen_](
                                                  const boost::system::error_code& ec, size_t n) {
    self->on_write(gen, ec, n);
  });
}

void RelaySession::on_write(uint64_t gen, const boost::system::error_code& ec, size_t n) {
  // The buffers are released only here, when the operation is over, even
  // for a connection already given up.
  writing_ = false;
  inflight_.clear();
  if (finishing_) {  // the source ended while this write was in flight
    finishing_ = false;
    retry_timer_.cancel();
    if (ec) return close_transport();
    return finish();
  }
  if (gen != gen_) {
    if (state_ == State::kConnecting) {
      flush();  // the next connection's handshake waited for this
    } else if (state_ != State::kStopped) {
      drain();
    }
    return;
  }
  if (state_ == State::kStopped) return;
  if (ec) return fail("write: " + ec.message(), events::StopReason::kDisconnect);
  conn_bytes_.fetch_add(n, std::memory_order_relaxed);
  status_->bytes.fetch_add(n, std::memory_order_relaxed);
  if (state_ == State::kLive) {
    merge_.wrote(n, Clock::now());
    drain();
  } else {
    flush();
  }
}

}  // namespace rtmp::relay
