// vpcC (VP9) and the VP8 key frame header, from real libvpx output.
#include "ingest/media/vpx_config.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(VpxConfig, RealVp9Record) {
  const Bytes box = test::mp4_box(test::read_fixture("vp9_320x240.mp4"), "vpcC");
  const auto with_header = parse_vpc_config(box);
  const auto bare = parse_vpc_config(Bytes(box.begin() + 4, box.end()));
  ASSERT_TRUE(with_header);
  ASSERT_TRUE(bare);
  EXPECT_EQ(with_header->profile, 0);
  EXPECT_EQ(with_header->bit_depth, 8);
  EXPECT_EQ(bare->level, with_header->level);
  EXPECT_EQ(vp9_profile_name(0), "Profile 0");
}

TEST(VpxConfig, Vp9Names) {
  EXPECT_EQ(vp9_level_name(31), "3.1");
  EXPECT_EQ(vp9_level_name(40), "4");
  EXPECT_EQ(vp9_level_name(0), "");
}

TEST(VpxConfig, Vp9Malformed) {
  EXPECT_FALSE(parse_vpc_config(Bytes{}));
  EXPECT_FALSE(parse_vpc_config(Bytes{0x00, 0x1f, 0x80}));                 // cut
  EXPECT_FALSE(parse_vpc_config(Bytes{0x07, 0x1f, 0x80, 1, 1, 1, 0, 0}));  // profile 7
  EXPECT_FALSE(parse_vpc_config(Bytes{0x00, 0x1f, 0x90, 1, 1, 1, 0, 0}));  // 9-bit
}

TEST(VpxConfig, RealVp8KeyFrame) {
  const Bytes ivf = test::read_fixture("vp8_320x240.ivf");
  const auto key = parse_vp8_key_frame(std::span<const uint8_t>(ivf).subspan(44));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->width, 320u);
  EXPECT_EQ(key->height, 240u);
}

TEST(VpxConfig, Vp8InterFrameAndBadStartCode) {
  EXPECT_FALSE(parse_vp8_key_frame(Bytes{0x01, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}));
  EXPECT_FALSE(parse_vp8_key_frame(Bytes{0x00, 0, 0, 0x9d, 0x01, 0x2b, 0x40, 0x01, 0xf0, 0x00}));
  EXPECT_FALSE(parse_vp8_key_frame(Bytes{0x00, 0, 0, 0x9d, 0x01, 0x2a, 0x40}));
  const auto ok = parse_vp8_key_frame(Bytes{0x00, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x41, 0xf0, 0x00});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->width, 320u);  // the top two bits are the scale
  EXPECT_EQ(ok->height, 240u);
}

}  // namespace
}  // namespace rtmp::media
