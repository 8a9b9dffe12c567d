// HEVC: hvcC records from real x265 streams (8/10 bit, temporal sub-layers
// with a conformance window), names, and malformed records.
#include "ingest/media/hevc_config.hpp"

#include <gtest/gtest.h>

#include "tests/media/bit_writer.hpp"
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

// The first NAL unit of a type in a record's arrays.
Bytes nal_of(const Bytes& record, unsigned wanted) {
  size_t pos = 23;
  for (unsigned a = 0; a < record.at(22); ++a) {
    const unsigned type = record.at(pos) & 0x3f;
    const unsigned count = (record.at(pos + 1) << 8) | record.at(pos + 2);
    pos += 3;
    for (unsigned n = 0; n < count; ++n) {
      const unsigned len = (record.at(pos) << 8) | record.at(pos + 1);
      if (type == wanted) return Bytes(record.begin() + pos + 2, record.begin() + pos + 2 + len);
      pos += 2 + len;
    }
  }
  throw std::runtime_error("no such NAL unit");
}

TEST(HevcConfig, SpsAloneMatchesTheRecord) {
  const auto sps = parse_hevc_sps(nal_of(hvcc("hevc_temporal_350x282_50.mp4"), 33));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->ptl.profile_idc, 1);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->width, 350u);
  EXPECT_EQ(sps->height, 282u);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 50.0);  // VUI timing, past the RPS sets
}

// A VPS with vps_timing_info (x265 writes none), two sub-layers and two
// layer sets, so every field before the timing is crossed.
Bytes build_vps(uint32_t num_units_in_tick, uint32_t time_scale) {
  test::BitWriter w;
  w.bits(0, 4);  // vps_video_parameter_set_id
  w.bits(3, 2);  // base layer internal/available
  w.bits(0, 6);  // vps_max_layers_minus1
  w.bits(1, 3);  // vps_max_sub_layers_minus1
  w.bit(true);
  w.bits(0xffff, 16);
  w.bits(1, 8);            // profile space, tier, profile_idc Main
  w.bits(0x60000000, 32);  // compatibility flags
  w.bits(0, 48);           // constraint flags
  w.bits(93, 8);           // level 3.1
  w.bits(0b11, 2);         // sub-layer 0: profile and level present
  w.bits(0, 2 * 7);        // reserved_zero_2bits for i = 1..7
  w.bits(0, 88);           // sub_layer profile
  w.bits(90, 8);           // sub_layer_level_idc
  w.bit(true);             // vps_sub_layer_ordering_info_present_flag
  for (int i = 0; i < 2; ++i) {
    w.ue(4);
    w.ue(2);
    w.ue(0);
  }
  w.bits(2, 6);  // vps_max_layer_id
  w.ue(1);       // vps_num_layer_sets_minus1
  w.bits(0b101, 3);
  w.bit(true);  // vps_timing_info_present_flag
  w.bits(num_units_in_tick, 32);
  w.bits(time_scale, 32);
  w.bit(false);  // vps_poc_proportional_to_timing_flag
  w.ue(0);       // vps_num_hrd_parameters
  w.bit(false);  // vps_extension_flag
  const Bytes escaped = test::escape_rbsp(w.finish());
  Bytes nal;  // reserved first: GCC 12 -O3 warns -Wfree-nonheap-object on {..} + insert
  nal.reserve(2 + escaped.size());
  nal.push_back(0x40);
  nal.push_back(0x01);
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

TEST(HevcConfig, VpsTiming) {
  EXPECT_DOUBLE_EQ(parse_hevc_vps_fps(build_vps(1001, 30000)).value_or(0), 30000.0 / 1001);
  EXPECT_FALSE(parse_hevc_vps_fps(build_vps(0, 30000)));
  // x265 sends no VPS timing; its SPS VUI has it.
  EXPECT_FALSE(parse_hevc_vps_fps(nal_of(hvcc("hevc_main_640x360_25.mp4"), 32)));
  EXPECT_FALSE(parse_hevc_vps_fps(nal_of(hvcc("hevc_main_640x360_25.mp4"), 33)));  // an SPS
  const Bytes vps = build_vps(1, 25);
  for (size_t len = 0; len < vps.size(); ++len) {
    (void)parse_hevc_vps_fps(std::span<const uint8_t>(vps.data(), len));
  }
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
