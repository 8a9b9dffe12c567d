// MergeWindow: the whole window until a rate is known, then what carries the
// target bytes at that rate, within [2 ms, longest]; off stays off.
#include "ingest/registry/merge_window.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace rtmp::registry {
namespace {

using namespace std::chrono_literals;
using Clock = MergeWindow::Clock;

// Writes `per_second` bytes a second in `writes` equal writes for `seconds`
// seconds, starting at `t`; returns the time after the last one.
Clock::time_point feed(MergeWindow& w, Clock::time_point t, size_t per_second, int writes,
                       int seconds) {
  const auto step = std::chrono::duration_cast<Clock::duration>(1s) / writes;
  for (int i = 0; i < writes * seconds; ++i) {
    t += step;
    w.wrote(per_second / writes, t);
  }
  return t;
}

TEST(MergeWindow, WholeWindowUntilTheFirstSecondIsMeasured) {
  MergeWindow w(100ms, 64 * 1024);
  EXPECT_EQ(w.window(), 100ms);
  Clock::time_point t{1h};
  w.wrote(1 << 20, t);  // a large burst, but no rate yet
  w.wrote(1 << 20, t + 500ms);
  EXPECT_EQ(w.window(), 100ms);
}

TEST(MergeWindow, LowRateKeepsTheLongestWindow) {
  MergeWindow w(100ms, 64 * 1024);
  feed(w, Clock::time_point{1h}, 75'000, 10, 3);  // ~600 kbit/s
  EXPECT_EQ(w.window(), 100ms);
}

TEST(MergeWindow, HighRateShortensItToCarryTheTarget) {
  MergeWindow w(100ms, 64 * 1024);
  feed(w, Clock::time_point{1h}, 1'000'000, 20, 3);  // 8 Mbit/s: 64 KiB every ~66 ms
  EXPECT_GT(w.window(), 60ms);
  EXPECT_LT(w.window(), 70ms);
  MergeWindow fast(100ms, 64 * 1024);
  feed(fast, Clock::time_point{1h}, 1'000'000'000, 50, 2);  // absurd rate: the 2 ms floor
  EXPECT_EQ(fast.window(), 2ms);
}

TEST(MergeWindow, FollowsTheRateBackUp) {
  MergeWindow w(100ms, 64 * 1024);
  auto t = feed(w, Clock::time_point{1h}, 4'000'000, 50, 2);
  EXPECT_LT(w.window(), 20ms);
  feed(w, t, 50'000, 10, 2);
  EXPECT_EQ(w.window(), 100ms);
}

TEST(MergeWindow, EmptyWritesAndLongSilencesGiveTheLongestWindow) {
  MergeWindow w(100ms, 64 * 1024);
  Clock::time_point t{1h};
  w.wrote(0, t);  // a period with no bytes at all
  w.wrote(0, t + 2s);
  EXPECT_EQ(w.window(), 100ms);
  MergeWindow idle(100ms, 64 * 1024);
  idle.wrote(1, t);
  idle.wrote(1, t + std::chrono::hours(24 * 365 * 50));  // 1 byte in 50 years: no overflow
  EXPECT_EQ(idle.window(), 100ms);
}

TEST(MergeWindow, ZeroTargetKeepsTheWindowAndZeroWindowIsOff) {
  MergeWindow fixed(30ms, 0);
  feed(fixed, Clock::time_point{1h}, 10'000'000, 50, 2);
  EXPECT_EQ(fixed.window(), 30ms);
  MergeWindow off(0ms, 64 * 1024);
  feed(off, Clock::time_point{1h}, 10'000'000, 50, 2);
  EXPECT_EQ(off.window(), Clock::duration::zero());
  MergeWindow negative(-5ms, 64 * 1024);
  EXPECT_EQ(negative.window(), Clock::duration::zero());
}

TEST(MergeWindow, HoldsUntilTheWindowAfterTheLastWriteBegan) {
  MergeWindow w(100ms, 0);
  const Clock::time_point last{1h};
  EXPECT_EQ(w.hold_until(last, last + 30ms), last + 100ms);
  EXPECT_EQ(w.hold_until(last, last + 99ms), last + 100ms);
  EXPECT_EQ(w.hold_until(last, last + 100ms), std::nullopt);  // the window is over: write now
  EXPECT_EQ(w.hold_until(last, last + 5s), std::nullopt);
}

TEST(MergeWindow, NoHoldBeforeTheFirstWriteOrWhenOff) {
  const Clock::time_point now{1h};
  MergeWindow w(100ms, 0);
  EXPECT_EQ(w.hold_until(Clock::time_point{}, now), std::nullopt);
  MergeWindow off(0ms, 0);
  EXPECT_EQ(off.hold_until(now - 1ms, now), std::nullopt);
}

TEST(MergeWindow, HoldFollowsTheShortenedWindow) {
  MergeWindow w(100ms, 64 * 1024);
  const auto t = feed(w, Clock::time_point{1h}, 6'400'000, 100, 2);  // 100 KiB per 16 ms
  ASSERT_LT(w.window(), 100ms);
  EXPECT_EQ(w.hold_until(t, t + 1ms), t + w.window());
  EXPECT_EQ(w.hold_until(t, t + w.window()), std::nullopt);
}

}  // namespace
}  // namespace rtmp::registry
