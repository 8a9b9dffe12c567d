// TsClock: milliseconds from the first timestamp, across a 2^33 wrap (and
// libavformat's unwrapped values), without drift, with new timelines.
#include "ingest/media/ts_clock.hpp"

#include <gtest/gtest.h>

namespace rtmp::media {
namespace {

TEST(TsClock, RelativeToTheFirstTimestamp) {
  TsClock clock;
  EXPECT_EQ(clock.ticks(900000), 0);
  EXPECT_EQ(clock.ticks(903600), 3600);
  EXPECT_EQ(clock.ticks(899100), -900);  // another track slightly behind
  EXPECT_EQ(TsClock::to_ms(-900), 0);
  EXPECT_EQ(TsClock::to_ms(3600), 40);
  EXPECT_EQ(TsClock::to_ms(89), 0);
}

TEST(TsClock, WrapsAt33Bits) {
  TsClock clock;
  const int64_t start = TsClock::kWrap - 9000;  // 100 ms before the wrap
  EXPECT_EQ(clock.ticks(start), 0);
  EXPECT_EQ(clock.ticks(TsClock::kWrap - 1), 8999);
  EXPECT_EQ(clock.ticks(0), 9000);
  EXPECT_EQ(clock.ticks(9000), 18000);
  // libavformat may hand out the unwrapped value instead: the same tick.
  EXPECT_EQ(clock.ticks(TsClock::kWrap + 9000), 18000);
  EXPECT_EQ(TsClock::to_ms(clock.ticks(TsClock::kWrap + 90000)), 1100);
}

TEST(TsClock, NoDriftOverAnHourOfAac) {
  TsClock clock;
  const int64_t start = TsClock::kWrap - 5 * kTsClockHz;
  (void)clock.ticks(start);
  // 1024-sample frames at 44.1 kHz: each 2089.79 ticks, 23.22 ms.
  int64_t last_ms = 0;
  for (int64_t frame = 1; frame <= 160000; ++frame) {
    const int64_t pts = start + frame * 1024 * kTsClockHz / 44100;
    last_ms = TsClock::to_ms(clock.ticks(pts));
  }
  EXPECT_EQ(last_ms, 160000LL * 1024 * 1000 / 44100);
}

TEST(TsClock, DifferenceIsWrapSafe) {
  EXPECT_EQ(TsClock::difference(3600, 0), 3600);
  EXPECT_EQ(TsClock::difference(1800, TsClock::kWrap - 1800), 3600);
  EXPECT_EQ(TsClock::difference(TsClock::kWrap - 1800, 1800), -3600);
}

TEST(TsClock, ALargeJumpStartsANewTimelineWhereTheLastEnded) {
  TsClock clock;
  (void)clock.ticks(1000000);
  EXPECT_EQ(clock.ticks(1090000), 90000);
  // The encoder restarts: its clock is at 0 again.
  EXPECT_EQ(clock.ticks(5000), 90000);
  EXPECT_EQ(clock.ticks(8600), 93600);
  // ... or leaps forward by an hour.
  EXPECT_EQ(clock.ticks(8600 + 3600 * kTsClockHz), 93600);
  EXPECT_EQ(clock.ticks(12200 + 3600 * kTsClockHz), 97200);
  // Back by 2 s is still the same timeline (tracks muxed far apart); 4 s is not.
  EXPECT_EQ(clock.ticks(12200 + 3600 * kTsClockHz - 2 * kTsClockHz), 97200 - 2 * kTsClockHz);
  EXPECT_EQ(clock.ticks(12200 + 3600 * kTsClockHz - 6 * kTsClockHz), 97200 - 2 * kTsClockHz);
}

TEST(MonotoneMs, NeverGoesBack) {
  MonotoneMs ms;
  EXPECT_EQ(ms.next(40), 40u);
  EXPECT_EQ(ms.next(20), 40u);
  EXPECT_EQ(ms.next(80), 80u);
}

}  // namespace
}  // namespace rtmp::media
