#include "ingest/srt/srt_publisher.hpp"

#include <chrono>
#include <future>
#include <optional>

#include "common/logging.hpp"
#include "ingest/media/ts_to_rtmp.hpp"
#include "ingest/server/publish_state.hpp"
#include "ingest/srt/ts_demuxer.hpp"

namespace rtmp::srt {
namespace {

using Clock = std::chrono::steady_clock;
// How often a blocked receive or auth wait looks at stop(): the bound on how
// long a kick or shutdown waits for this thread.
constexpr auto kPoll = std::chrono::milliseconds(100);

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

SrtPublisher::SrtPublisher(SrtContext& ctx, SRTSOCKET socket, std::string conn_id,
                           std::string remote_addr, SrtStreamId id)
    : ctx_(ctx),
      socket_(socket),
      conn_id_(std::move(conn_id)),
      remote_addr_(std::move(remote_addr)),
      id_(std::move(id)) {
  ctx_.session.counters.connections_open.fetch_add(1);
  ctx_.session.counters.connections_total.fetch_add(1);
  const int timeout_ms = static_cast<int>(kPoll.count());
  srt_setsockflag(socket_, SRTO_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
}

SrtPublisher::~SrtPublisher() {
  stop(events::StopReason::kShutdown, "server shutting down");
  join();
  srt_close(socket_);
  ctx_.session.counters.connections_open.fetch_sub(1);
}

void SrtPublisher::start() {
  thread_ = std::thread([this] { run(); });
}

void SrtPublisher::join() {
  if (thread_.joinable()) thread_.join();
}

void SrtPublisher::stop(events::StopReason reason, const std::string& why) {
  set_stop(reason, why);
}

void SrtPublisher::set_stop(events::StopReason reason, const std::string& why) {
  std::lock_guard lock(stop_mutex_);
  if (stopping_.load(std::memory_order_relaxed)) return;
  stop_reason_ = reason;
  stop_why_ = why;
  stopping_.store(true, std::memory_order_release);
}

void SrtPublisher::emit(events::EventData data) {
  ctx_.session.events.emit(events::Event{conn_id_, stream_key_, std::move(data), 0});
}

void SrtPublisher::run() {
  emit(events::ConnectionAccept{remote_addr_, "srt"});
  // The SRT handshake (stream id, encryption) is complete once accepted.
  emit(events::HandshakeComplete{});
  if (authorize()) publish();
  if (!stopping()) set_stop(events::StopReason::kError, "ended");
  events::StopReason reason;
  std::string why;
  {
    std::lock_guard lock(stop_mutex_);
    reason = stop_reason_;
    why = stop_why_;
  }
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "SRT connection closed: {}", why);
  // Behind what the recording still emits: connection_close comes last.
  record::emit_after(recording_tail_, ctx_.session.events,
                     events::Event{conn_id_, stream_key_,
                                   events::ConnectionClose{publishing_ ? "publisher" : "none",
                                                           seconds_since(accepted_at_),
                                                           events::stop_reason_name(reason)},
                                   0});
  done_.store(true, std::memory_order_release);
}

bool SrtPublisher::authorize() {
  auto& s = ctx_.session;
  stream_key_ = id_.key;
  if (id_.key.size() > s.options.max_stream_name) {
    common::log::warn({.conn_id = conn_id_, .remote_addr = remote_addr_},
                      "SRT publish refused: stream name longer than {} bytes",
                      s.options.max_stream_name);
    set_stop(events::StopReason::kError, "stream name too long");
    return false;
  }
  auth::Request req{.action = "publish",
                    .app = id_.app,
                    .stream_name = id_.name,
                    .stream_key = id_.key,
                    .token = id_.token,
                    .remote_addr = remote_addr_};
  // The answer may come on another thread after this one gave up (shutdown):
  // the promise is shared with the callback.
  auto answer = std::make_shared<std::promise<auth::Decision>>();
  std::future<auth::Decision> decided = answer->get_future();
  s.authorizer.authorize(req, [answer](auth::Decision d) { answer->set_value(std::move(d)); });
  while (decided.wait_for(kPoll) != std::future_status::ready) {
    if (stopping()) return false;
  }
  const auth::Decision d = decided.get();
  if (d.allowed && !d.stream_key.empty()) {
    if (d.stream_key.size() > s.options.max_stream_name) {
      set_stop(events::StopReason::kAuth, "callback stream_key too long");
      return false;
    }
    stream_key_ = d.stream_key;
  }
  if (d.allowed) return true;
  s.counters.auth_failures.fetch_add(1);
  common::log::warn({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "SRT publish refused: {}", d.error);
  emit(events::AuthFailed{"publish", d.error, remote_addr_});
  set_stop(events::StopReason::kAuth, "publish refused by auth");
  return false;
}

int SrtPublisher::receive(uint8_t* buf, int size) {
  auto& counters = ctx_.session.counters;
  const auto idle_limit = ctx_.session.options.idle_timeout;
  auto last = Clock::now();
  while (staged_pos_ == staged_len_) {
    if (stopping() || source_end_) return 0;
    const int n = srt_recvmsg(socket_, reinterpret_cast<char*>(staged_), sizeof staged_);
    if (n > 0) {
      received_ = true;
      staged_len_ = n;
      staged_pos_ = 0;
      counters.bytes_in.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      io_->bytes_in.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      break;
    }
    const int err = srt_getlasterror(nullptr);
    if (n < 0 && (err == SRT_ETIMEOUT || err == SRT_EASYNCRCV)) {
      if (Clock::now() - last >= idle_limit) {
        source_end_.emplace(events::StopReason::kIdleTimeout, "no data for -idle-timeout");
        return 0;
      }
      continue;
    }
    source_end_.emplace(events::StopReason::kDisconnect,
                        n == 0 ? std::string("peer closed") : std::string(srt_getlasterror_str()));
    return 0;
  }
  const int n = std::min(size, staged_len_ - staged_pos_);
  std::memcpy(buf, staged_ + staged_pos_, static_cast<size_t>(n));
  staged_pos_ += n;
  return n;
}

void SrtPublisher::publish() {
  auto& s = ctx_.session;
  registry::PublisherRole role =
      s.registry.publish(stream_key_, conn_id_, events::PublishStart{remote_addr_, id_.query});
  if (!role) {
    common::log::info({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                      "SRT publish refused: already publishing");
    set_stop(events::StopReason::kError, "stream already publishing");
    return;
  }
  publishing_ = true;
  // Declared in this order so the relays and the listing end before the role
  // (the state's destructor), and the demuxer before both.
  std::optional<server::PublishState> state;
  state.emplace(std::move(role), 1, id_.name);
  recording_tail_ = state->start_recording(s.recorder, conn_id_, stream_key_);
  const uint32_t chunk = s.options.connection.out_chunk_size;
  state->announce({.registry = s.registry,
                   .executor = ctx_.ioc.get_executor(),
                   .relay = s.relay,
                   .chunk_size = chunk,
                   .conn_id = conn_id_,
                   .key = stream_key_,
                   .remote_addr = remote_addr_,
                   .conn = io_});
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "SRT publish started");

  media::TsToRtmp converter;
  std::vector<protocol::Message> out;
  std::vector<events::CodecDetected> detected;
  std::string error;
  {
    TsDemuxer demuxer([this](uint8_t* buf, int size) { return receive(buf, size); });
    if (demuxer.open(error)) {
      if (!demuxer.skipped().empty())
        common::log::warn(
            {.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
            "SRT publish: skipping streams RTMP players cannot take: {}", demuxer.skipped());
      media::EsPacket packet;
      while (!stopping() && demuxer.next(packet, error)) {
        out.clear();
        converter.push(packet, out);
        for (auto& m : out) {
          detected.clear();
          state->deliver(std::move(m), chunk, detected);
          for (auto& d : detected) emit(std::move(d));
        }
      }
    }
  }
  if (!stopping()) {
    // Input that never became media is worth one line, however it ended;
    // no input at all is not (the demuxer's "end of file" then only repeats
    // that the caller left or went quiet, which the close line says).
    if (const std::string bad = converter.error(); !bad.empty()) error = bad;
    if (!received_ && source_end_) error.clear();
    if (!error.empty())
      common::log::warn(
          {.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
          "SRT publish: {}", error);
    if (source_end_) {
      set_stop(source_end_->first, source_end_->second);
    } else {
      set_stop(error.empty() ? events::StopReason::kDisconnect : events::StopReason::kError,
               error.empty() ? "end of stream" : error);
    }
  }
  events::StopReason reason;
  {
    std::lock_guard lock(stop_mutex_);
    reason = stop_reason_;
  }
  state->end_relays(reason);
  state->role().end(reason);
  state.reset();
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_}, "SRT publish stopped");
}

}  // namespace rtmp::srt
