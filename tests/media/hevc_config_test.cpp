// HEVC: hvcC records from real x265 streams (8/10 bit, temporal sub-layers
// with a conformance window), names, and malformed records.
#include "ingest/media/hevc_config.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

Bytes hvcc(const std::string& name) {
  return test::mp4_box(test::read_fixture(name), "hvcC");
}

TEST(HevcConfig, Main640x360) {
  const auto config = parse_hevc_decoder_config(hvcc("hevc_main_640x360_25.mp4"));
  ASSERT_TRUE(config);
  EXPECT_EQ(hevc_profile_name(config->ptl), "Main");
  EXPECT_EQ(hevc_level_name(config->ptl.level_idc), "2.1");
  EXPECT_EQ(config->width, 640u);
  EXPECT_EQ(config->height, 360u);
  EXPECT_DOUBLE_EQ(config->fps.value_or(0), 25.0);
}

TEST(HevcConfig, Main10) {
  const auto config = parse_hevc_decoder_config(hvcc("hevc_main10_640x360.mp4"));
  ASSERT_TRUE(config);
  EXPECT_EQ(hevc_profile_name(config->ptl), "Main 10");
  EXPECT_EQ(config->width, 640u);
}

TEST(HevcConfig, SubLayersAndConformanceWindow) {
  const auto config = parse_hevc_decoder_config(hvcc("hevc_temporal_350x282_50.mp4"));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->width, 350u);   // coded 352
  EXPECT_EQ(config->height, 282u);  // coded 288
  EXPECT_DOUBLE_EQ(config->fps.value_or(0), 50.0);
}

TEST(HevcConfig, SpsAloneMatchesTheRecord) {
  // The SPS array of the record, parsed directly.
  const Bytes record = hvcc("hevc_temporal_350x282_50.mp4");
  size_t pos = 23;
  std::optional<HevcSps> sps;
  for (unsigned a = 0; a < record[22] && !sps; ++a) {
    const unsigned type = record[pos] & 0x3f;
    const unsigned count = (record[pos + 1] << 8) | record[pos + 2];
    pos += 3;
    for (unsigned n = 0; n < count; ++n) {
      const unsigned len = (record[pos] << 8) | record[pos + 1];
      if (type == 33) sps = parse_hevc_sps(std::span<const uint8_t>(record).subspan(pos + 2, len));
      pos += 2 + len;
    }
  }
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->ptl.profile_idc, 1);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->width, 350u);
  EXPECT_EQ(sps->height, 282u);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 50.0);  // VUI timing, past the RPS sets
}

TEST(HevcConfig, Names) {
  HevcProfileTierLevel ptl;
  ptl.profile_idc = 4;
  EXPECT_EQ(hevc_profile_name(ptl), "Rext");
  ptl.profile_idc = 0;
  ptl.compatibility_flags = 0x20000000;  // flag[2]: Main 10 compatible
  EXPECT_EQ(hevc_profile_name(ptl), "Main 10");
  EXPECT_EQ(hevc_level_name(93), "3.1");
  EXPECT_EQ(hevc_level_name(120), "4");
  EXPECT_EQ(hevc_level_name(153), "5.1");
  EXPECT_EQ(hevc_level_name(0), "");
}

TEST(HevcConfig, MalformedRecords) {
  EXPECT_FALSE(parse_hevc_decoder_config(Bytes{}));
  Bytes record = hvcc("hevc_main_640x360_25.mp4");
  record[0] = 0;  // configurationVersion
  EXPECT_FALSE(parse_hevc_decoder_config(record));
  const Bytes good = hvcc("hevc_main_640x360_25.mp4");
  for (size_t len = 0; len < good.size(); ++len) {
    // Cut anywhere: never a crash; a cut inside the arrays is rejected.
    const auto config = parse_hevc_decoder_config(std::span<const uint8_t>(good.data(), len));
    if (len < 23) {
      EXPECT_FALSE(config) << len;
    }
  }
}

}  // namespace
}  // namespace rtmp::media
