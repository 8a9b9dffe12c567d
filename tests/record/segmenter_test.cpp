#include "ingest/record/segmenter.hpp"

#include <gtest/gtest.h>

namespace rtmp::record {
namespace {

using std::chrono::milliseconds;

TEST(Segmenter, CutsAtTheFirstKeyframeAtOrPastTheDuration) {
  Segmenter s(milliseconds(10000), true);
  s.begin(0);
  EXPECT_FALSE(s.cut_before(true, true, 8000));
  EXPECT_FALSE(s.cut_before(true, false, 10000));   // not a keyframe
  EXPECT_FALSE(s.cut_before(false, false, 10500));  // audio never cuts a video stream
  EXPECT_TRUE(s.cut_before(true, true, 10000));
  s.begin(12000);
  EXPECT_FALSE(s.cut_before(true, true, 21999));
  EXPECT_TRUE(s.cut_before(true, true, 22000));
}

TEST(Segmenter, AudioOnlyCutsByTime) {
  Segmenter s(milliseconds(5000), false);
  s.begin(100);
  EXPECT_FALSE(s.cut_before(false, false, 5099));
  EXPECT_TRUE(s.cut_before(false, false, 5100));
}

TEST(Segmenter, NoDurationNeverCuts) {
  Segmenter s(milliseconds(0), true);
  s.begin(0);
  EXPECT_FALSE(s.cut_before(true, true, int64_t{1} << 40));
}

TEST(TimestampUnwrapper, ContinuesPastTheWrap) {
  TimestampUnwrapper u;
  EXPECT_EQ(u(0xFFFFFF00u), 0xFFFFFF00);
  EXPECT_EQ(u(0x00000010u), 0x100000010);
  EXPECT_EQ(u(0x00000005u), 0x100000005);  // a small step back stays a step back
}

}  // namespace
}  // namespace rtmp::record
