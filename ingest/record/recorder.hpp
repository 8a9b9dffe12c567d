#pragma once
// Recordings off the media path. The publisher's strand hands each message to
// its RecordingHandle (a bounded lock-free queue, never blocking); each
// recording writes on a thread of its own, so a slow or failing disk stalls
// only that recording.
//
// Full queue policy: the disk is not keeping up; that recording ends with an
// error (ERROR line, recording_stop with the error) and what it had written
// stays complete on disk. The publisher, its players and other recordings
// never wait.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/events/event.hpp"
#include "ingest/record/record_options.hpp"
#include "ingest/registry/media_message.hpp"

namespace rtmp::record {

struct Channel;

// The end of a recording as its publisher's connection sees it. A recording
// completes its last file on its own thread after the publish has ended, and
// its events carry the publisher's conn_id: the connection's close event
// waits here for them, so a connection's events still end with
// connection_close.
class RecordingTail {
 public:
  explicit RecordingTail(events::EventSink& sink) : sink_(sink) {}

  // Any thread, once: emits `event` now when the recording has emitted its
  // last event, else on the recording's thread right after it does.
  void emit_after(events::Event event);
  // The recording's thread, once its last event is out.
  void finish();

 private:
  events::EventSink& sink_;
  std::mutex mutex_;
  bool finished_ = false;
  std::optional<events::Event> after_;
};

// The publisher's end of one recording. Destroying it ends the recording:
// what is queued is written, the last file completed, recording_stop emitted.
// Emits `event` behind `tail`'s recording, or at once when `tail` is null.
void emit_after(const std::shared_ptr<RecordingTail>& tail, events::EventSink& sink,
                events::Event event);

class RecordingHandle {
 public:
  explicit RecordingHandle(std::shared_ptr<Channel> channel);
  ~RecordingHandle();
  RecordingHandle(const RecordingHandle&) = delete;
  RecordingHandle& operator=(const RecordingHandle&) = delete;

  // The publisher's next message (one producer: the publisher's strand).
  void offer(const registry::MediaPtr& m);
  // True once the recording has ended on its own (a disk error, a full
  // queue) while the publish goes on; readable from any thread.
  std::shared_ptr<const std::atomic<bool>> ended_flag() const;
  // Outlives the handle: the connection's close event waits on it.
  std::shared_ptr<RecordingTail> tail() const;

 private:
  std::shared_ptr<Channel> channel_;
};

class Recorder {
 public:
  Recorder(RecordOptions options, events::EventSink& sink);
  ~Recorder();  // stop() with no grace
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // A recording of `key`'s publish, or null when the key is not recorded
  // (or the recorder is stopping). Events carry `conn_id` and `key`.
  std::unique_ptr<RecordingHandle> start(const std::string& conn_id, const std::string& key);

  // Shutdown, after the publishers ended: waits until `deadline` for every
  // recording to write what it has and emit its stop; those still running
  // then end at once with an error.
  void stop(std::chrono::steady_clock::time_point deadline);
  size_t running() const;

 private:
  struct Worker;
  void reap_locked();

  const RecordOptions options_;
  events::EventSink& sink_;
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Worker>> workers_;
};

}  // namespace rtmp::record
