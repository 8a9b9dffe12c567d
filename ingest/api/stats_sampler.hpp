#pragma once
// Per-stream rates for the HTTP API and the stream_stats event: a thread of
// its own samples each live publish's counters (registry::Directory) twice a
// second into a RateWindow per publish, so a rate is the change over the last
// five seconds (see rate_window.hpp for a publish's first seconds). Every -stats-interval it emits
// stream_stats for each live stream. It reads only relaxed atomics and the directory's copy: the
// media path never waits for it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/duration.hpp"
#include "ingest/api/rate_window.hpp"
#include "ingest/events/event.hpp"
#include "ingest/registry/directory.hpp"

namespace rtmp::api {

// What the API and stream_stats report of one live stream.
struct StreamFigures {
  double bitrate_kbps = 0;  // from the publisher, over the last 5 s
  double fps = 0;           // video frames per second, over the last 5 s
  uint32_t players = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;  // to current players, and to those that left during this publish
  uint64_t dropped = 0;    // likewise, messages skipped for being slow
};

class StatsSampler {
 public:
  // stats_interval 0: no stream_stats events, sampling only.
  StatsSampler(registry::Directory& directory, events::EventSink& sink,
               common::Duration stats_interval);
  ~StatsSampler();  // stop()
  // Stops sampling and emitting, joins; figures() still answers, from the
  // last samples. Idempotent.
  void stop();
  StatsSampler(const StatsSampler&) = delete;
  StatsSampler& operator=(const StatsSampler&) = delete;

  // Any thread.
  StreamFigures figures(const registry::Directory::StreamView& stream) const;

 private:
  using Clock = RateWindow::Clock;
  // One publish's samples; a new publish on the same connection starts anew.
  struct Publish {
    int64_t since_unix_ms = 0;
    RateWindow window;
  };
  void run();
  void sample(Clock::time_point now);
  void emit_stats();

  registry::Directory& directory_;
  events::EventSink& sink_;
  const common::Duration stats_interval_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, Publish> samples_;  // by publisher conn_id
  std::thread thread_;
};

}  // namespace rtmp::api
