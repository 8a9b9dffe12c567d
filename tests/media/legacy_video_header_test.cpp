// The picture size of legacy FLV video frames, from the first bytes of real
// ffmpeg 5.1 FLV tags (`-c:v flv` for Sorenson H.263, `-c:v flashsv` and
// `-c:v flashsv2` for Screen Video; testsrc at the sizes named), and the
// codec_detected event that names it.
#include "ingest/media/legacy_video_header.hpp"

#include <gtest/gtest.h>

#include "ingest/media/codec_info.hpp"
#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

std::span<const uint8_t> frame_of(const Bytes& tag) {
  return std::span<const uint8_t>(tag).subspan(1);
}

TEST(LegacyVideoHeader, H263FixedSize) {
  const Bytes tag{0x12, 0x00, 0x00, 0x84, 0x02, 0x92, 0xa6, 0x20, 0x20, 0x20};  // 320x240
  const auto size = parse_h263_picture_size(frame_of(tag));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 320u);
  EXPECT_EQ(size->height, 240u);
}

TEST(LegacyVideoHeader, H263CustomSizes) {
  const Bytes wide{0x12, 0x00, 0x00, 0x84, 0x00, 0x80, 0xc8, 0x00, 0x96, 0x12};   // 400x300
  const Bytes small{0x12, 0x00, 0x00, 0x84, 0x00, 0x30, 0x20, 0x11, 0x9b, 0x88};  // 96x64
  const auto a = parse_h263_picture_size(frame_of(wide));
  const auto b = parse_h263_picture_size(frame_of(small));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->width, 400u);
  EXPECT_EQ(a->height, 300u);
  EXPECT_EQ(b->width, 96u);
  EXPECT_EQ(b->height, 64u);
}

TEST(LegacyVideoHeader, ScreenVideo) {
  const Bytes v1{0x13, 0x30, 0xb0, 0x30, 0x78, 0x01, 0x2d};  // 176x120
  const Bytes v2{0x16, 0x30, 0xa0, 0x30, 0x78, 0x00, 0x00};  // 160x120
  const auto a = parse_screen_video_size(frame_of(v1));
  const auto b = parse_screen_video_size(frame_of(v2));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->width, 176u);
  EXPECT_EQ(a->height, 120u);
  EXPECT_EQ(b->width, 160u);
  EXPECT_EQ(b->height, 120u);
}

TEST(LegacyVideoHeader, Malformed) {
  EXPECT_FALSE(parse_h263_picture_size(Bytes{}));
  EXPECT_FALSE(parse_h263_picture_size(Bytes{0x00, 0x00, 0x84}));              // cut
  EXPECT_FALSE(parse_h263_picture_size(Bytes{0x00, 0x01, 0x84, 0x02, 0x92}));  // no start code
  EXPECT_FALSE(parse_h263_picture_size(Bytes{0x00, 0x00, 0x8c, 0x02, 0x92}));  // version 3
  EXPECT_FALSE(parse_h263_picture_size(Bytes{0x00, 0x00, 0x84, 0x03, 0xf2}));  // size code 7
  EXPECT_FALSE(parse_h263_picture_size(Bytes{0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00}));  // 0x0
  EXPECT_FALSE(parse_screen_video_size(Bytes{0x30, 0xb0, 0x30}));                          // cut
  EXPECT_FALSE(parse_screen_video_size(Bytes{0x30, 0x00, 0x30, 0x78}));  // width 0
}

TEST(LegacyVideoHeader, CodecDetectedCarriesTheSize) {
  const auto h263 =
      describe_video(Bytes{0x12, 0x00, 0x00, 0x84, 0x02, 0x92, 0xa6, 0x20, 0x20, 0x20});
  ASSERT_TRUE(h263);
  EXPECT_EQ(h263->codec, "H263");
  EXPECT_EQ(h263->width, 320u);
  EXPECT_EQ(h263->height, 240u);
  const auto screen = describe_video(Bytes{0x13, 0x30, 0xb0, 0x30, 0x78, 0x01, 0x2d});
  ASSERT_TRUE(screen);
  EXPECT_EQ(screen->codec, "ScreenVideo");
  EXPECT_EQ(screen->width, 176u);
  // A frame whose header does not parse still names the codec, without a size.
  const auto bare = describe_video(Bytes{0x22, 0x00});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->codec, "H263");
  EXPECT_FALSE(bare->width);
}

}  // namespace
}  // namespace rtmp::media
