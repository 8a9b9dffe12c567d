#pragma once
// The rates of one publish (bitrate in, video fps) over the last five
// seconds, from counters sampled twice a second: the change between the
// oldest kept sample and the current counters, over the time between them.
//
// A publish's first window is partial, and it starts with a burst: the
// connection's handshake and commands, the metadata and sequence headers and
// the first video keyframe (which encoders make several times the size of
// the frames that follow) arrive within a moment. Dividing that by the few
// hundred milliseconds the publish has lived read two or three times the
// stream's bitrate. So the window starts at the first sample that already
// holds the first video frame (at the first sample for a stream without
// video yet), and no rate is given (0) until it spans kMinSpan.
//
// Not thread-safe: StatsSampler keeps one per publish under its mutex.
#include <chrono>
#include <cstdint>
#include <deque>

namespace rtmp::api {

class RateWindow {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kWindow = std::chrono::seconds(5);
  static constexpr auto kMinSpan = std::chrono::seconds(1);

  struct Counters {
    uint64_t bytes_in = 0;
    uint64_t video_frames = 0;
  };
  struct Rates {
    double bitrate_kbps = 0;
    double fps = 0;
  };

  // A sample taken at `at` (in time order).
  void add(Clock::time_point at, Counters c);
  // The rates from the oldest kept sample to `now`, where the counters are
  // `current`; zero while the window spans less than kMinSpan.
  Rates rates(Clock::time_point now, Counters current) const;

 private:
  struct Sample {
    Clock::time_point at;
    Counters c;
  };
  std::deque<Sample> samples_;
};

}  // namespace rtmp::api
