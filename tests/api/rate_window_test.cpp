// RateWindow: a publish's rates over the last five seconds, and its first,
// partial window, which starts with a burst (headers, first keyframe).
#include "ingest/api/rate_window.hpp"

#include <gtest/gtest.h>

namespace rtmp::api {
namespace {

using namespace std::chrono_literals;
using Clock = RateWindow::Clock;

// A stream of `kbps` at `fps`, sampled every 500 ms from t0 (publish start):
// its first video frame, a keyframe of `key_bytes`, arrives at `first_video`
// after `startup_bytes` of handshake, commands, metadata and headers.
struct Stream {
  double kbps = 428;
  double fps = 25;
  uint64_t startup_bytes = 4000;
  uint64_t key_bytes = 60000;
  Clock::duration first_video = 800ms;
  Clock::time_point t0 = Clock::time_point{} + 1h;

  RateWindow::Counters at(Clock::duration t) const {
    if (t < first_video) return {startup_bytes, 0};
    const double s = std::chrono::duration<double>(t - first_video).count();
    return {startup_bytes + key_bytes + static_cast<uint64_t>(kbps * 1000 / 8 * s),
            1 + static_cast<uint64_t>(fps * s)};
  }
  // Samples every 500 ms up to `until`, as the sampler takes them.
  void sample(RateWindow& w, Clock::duration until) const {
    for (auto t = 250ms; t <= until; t += 500ms) w.add(t0 + t, at(t));
  }
};

TEST(RateWindow, NoRateBeforeAnySampleOrBeforeOneSecondOfWindow) {
  RateWindow w;
  Stream s;
  EXPECT_EQ(w.rates(s.t0 + 100ms, s.at(100ms)).bitrate_kbps, 0);
  s.sample(w, 1300ms);  // the window restarted at 1250 ms, the first sample with video
  EXPECT_EQ(w.rates(s.t0 + 2000ms, s.at(2000ms)).bitrate_kbps, 0);
  EXPECT_GT(w.rates(s.t0 + 2300ms, s.at(2300ms)).bitrate_kbps, 0);
}

// The over-read seen in the API: a 428 kbit/s stream read 991 kbit/s in its
// first window when its start-up burst counted over a short span.
TEST(RateWindow, FirstPartialWindowLeavesTheStartupBurstOut) {
  const Stream s;
  for (auto now : {2300ms, 3000ms, 4000ms, 5200ms}) {
    RateWindow w;
    s.sample(w, now);
    const auto r = w.rates(s.t0 + now, s.at(now));
    EXPECT_NEAR(r.bitrate_kbps, s.kbps, 0.05 * s.kbps) << "at " << now.count() << " ms";
    EXPECT_NEAR(r.fps, s.fps, 0.1 * s.fps) << "at " << now.count() << " ms";
  }
}

TEST(RateWindow, FullWindowIsTheLastFiveSeconds) {
  RateWindow w;
  Stream s;
  s.sample(w, 20s);
  auto r = w.rates(s.t0 + 20s, s.at(20s));
  EXPECT_NEAR(r.bitrate_kbps, s.kbps, 0.02 * s.kbps);
  EXPECT_NEAR(r.fps, s.fps, 0.02 * s.fps);
  // The rate changes: after five more seconds only the new rate counts.
  RateWindow w2;
  for (auto t = 250ms; t <= 30s; t += 500ms) {
    auto c = s.at(t);
    if (t > 20s)
      c.bytes_in +=
          static_cast<uint64_t>(1000 * 1000 / 8 * std::chrono::duration<double>(t - 20s).count());
    w2.add(s.t0 + t, c);
  }
  auto c = s.at(30s);
  c.bytes_in += 1000 * 1000 / 8 * 10;
  r = w2.rates(s.t0 + 30s, c);
  EXPECT_NEAR(r.bitrate_kbps, s.kbps + 1000, 0.05 * (s.kbps + 1000));
}

TEST(RateWindow, AudioOnlyStreamStartsAtTheFirstSample) {
  RateWindow w;
  const auto t0 = Clock::time_point{} + 1h;
  // 128 kbit/s of audio after 3000 bytes of start-up; no video ever.
  for (auto t = 250ms; t <= 3000ms; t += 500ms)
    w.add(t0 + t,
          {3000 + static_cast<uint64_t>(16000 * std::chrono::duration<double>(t).count()), 0});
  const auto r = w.rates(t0 + 3000ms, {3000 + 16000 * 3, 0});
  EXPECT_NEAR(r.bitrate_kbps, 128, 2);
  EXPECT_EQ(r.fps, 0);
}

TEST(RateWindow, CountersThatGoBackGiveNoRate) {
  RateWindow w;
  const auto t0 = Clock::time_point{} + 1h;
  w.add(t0, {100000, 500});
  w.add(t0 + 1s, {150000, 525});
  EXPECT_EQ(w.rates(t0 + 2s, {1000, 3}).bitrate_kbps, 0);
  EXPECT_EQ(w.rates(t0 + 2s, {1000, 3}).fps, 0);
}

}  // namespace
}  // namespace rtmp::api
