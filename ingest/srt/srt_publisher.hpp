#pragma once
// One SRT publisher on a thread of its own: libsrt's receive calls block, so
// they stay off the Asio threads. The thread authorizes the publish (the
// stream id's token, through the same authorizer as RTMP), takes the
// publisher role, demuxes the MPEG-TS it receives with libavformat (read
// from the socket through a custom AVIOContext), turns each packet into the
// RTMP messages an RTMP publisher would send (media::TsToRtmp) and hands
// them down the RTMP publisher path (server::PublishState, the stream's
// fan-out, recorder, relays). That thread is the publish's only owner, its
// strand: the role and the stream's publisher state are touched nowhere else.
//
// The role ends, and connection_close follows, on every way out: the peer
// closing or breaking the connection, -idle-timeout without data, an API
// kick and shutdown (stop(), from any thread), malformed input.
#include <srt/srt.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "ingest/events/event.hpp"
#include "ingest/record/recorder.hpp"
#include "ingest/srt/srt_context.hpp"
#include "ingest/srt/srt_stream_id.hpp"

namespace rtmp::srt {

class SrtDemuxer;

class SrtPublisher {
 public:
  // Takes ownership of `socket` (an accepted, connected SRT socket).
  SrtPublisher(SrtContext& ctx, SRTSOCKET socket, std::string conn_id, std::string remote_addr,
               SrtStreamId id);
  // Stops (as shutdown) and joins a thread still running.
  ~SrtPublisher();
  SrtPublisher(const SrtPublisher&) = delete;
  SrtPublisher& operator=(const SrtPublisher&) = delete;

  void start();
  // Any thread: ends the publish with `reason` within the receive poll
  // interval; the first stop wins.
  void stop(events::StopReason reason, const std::string& why);
  // The thread has emitted connection_close and may be joined at once.
  bool done() const { return done_.load(std::memory_order_acquire); }
  void join();
  const std::string& conn_id() const { return conn_id_; }

  // Called by the demuxer's read callback (this thread): up to `size` bytes
  // of the stream, 0 when the stream should end (the stop reason is set).
  int receive(uint8_t* buf, int size);

 private:
  void run();
  bool authorize();
  void publish();
  void set_stop(events::StopReason reason, const std::string& why);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void emit(events::EventData data);

  SrtContext& ctx_;
  const SRTSOCKET socket_;
  const std::string conn_id_;
  const std::string remote_addr_;
  const SrtStreamId id_;
  std::string stream_key_;  // for events, once authorized
  bool publishing_ = false;
  // The publish's recording completes after the publish ends; null when not recorded.
  std::shared_ptr<record::RecordingTail> recording_tail_;
  std::chrono::steady_clock::time_point accepted_at_ = std::chrono::steady_clock::now();
  std::shared_ptr<registry::ConnCounters> io_ = std::make_shared<registry::ConnCounters>();

  // One SRT message (a live-mode payload, at most 1456 bytes) read but not
  // yet handed to the demuxer.
  uint8_t staged_[1500];
  int staged_len_ = 0, staged_pos_ = 0;
  bool received_ = false;  // any payload at all from the caller

  // How the stream ended on its side (set by receive(), this thread only),
  // as opposed to stop() from outside: packets the demuxer still holds are
  // published before the role ends.
  std::optional<std::pair<events::StopReason, std::string>> source_end_;

  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;  // guards the two below (set once, read by this thread)
  events::StopReason stop_reason_ = events::StopReason::kError;
  std::string stop_why_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace rtmp::srt
