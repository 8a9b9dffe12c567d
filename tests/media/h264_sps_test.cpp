// H.264 SPS: real x264 parameter sets, and hand-built ones with the syntax
// x264 never writes (scaling lists, field coding, POC type 1, 4:4:4 lists).
#include "ingest/media/h264_sps.hpp"

#include <gtest/gtest.h>

#include "tests/media/bit_writer.hpp"
#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::media {
namespace {

using test::BitWriter;
using test::Bytes;

Bytes avcc_of(const std::string& flv_name) {
  for (const auto& tag : test::read_flv_tags(test::read_fixture(flv_name))) {
    if (tag.type == 9 && tag.body.size() > 5 && tag.body[1] == 0) {
      return Bytes(tag.body.begin() + 5, tag.body.end());
    }
  }
  throw std::runtime_error("no AVC sequence header");
}

struct SpsOptions {
  uint8_t profile_idc = 100;
  uint8_t level_idc = 40;
  uint32_t chroma_format_idc = 1;
  bool scaling_lists = false;
  uint32_t poc_type = 0;
  uint32_t width_mbs = 120;
  uint32_t height_map_units = 68;
  bool frame_mbs_only = true;
  uint32_t crop_bottom = 0;
  bool vui = false;
  uint32_t num_units_in_tick = 1001;
  uint32_t time_scale = 60000;
};

// An SPS NAL unit (header byte included, escaped) from the options.
Bytes build_sps(const SpsOptions& o) {
  BitWriter w;
  w.bits(o.profile_idc, 8);
  w.bits(0, 8);  // constraint flags
  w.bits(o.level_idc, 8);
  w.ue(0);  // seq_parameter_set_id
  if (o.profile_idc == 100 || o.profile_idc == 244) {
    w.ue(o.chroma_format_idc);
    if (o.chroma_format_idc == 3) w.bit(false);  // separate_colour_plane_flag
    w.ue(0);
    w.ue(0);
    w.bit(false);  // qpprime_y_zero_transform_bypass_flag
    w.bit(o.scaling_lists);
    if (o.scaling_lists) {
      const unsigned lists = o.chroma_format_idc == 3 ? 12 : 8;
      for (unsigned i = 0; i < lists; ++i) {
        const bool present = i % 3 != 1;
        w.bit(present);
        if (!present) continue;
        const unsigned size = i < 6 ? 16 : 64;
        // Varying deltas; the list ends early when nextScale becomes 0.
        int last = 8;
        for (unsigned j = 0; j < size; ++j) {
          const int delta = (i == 2 && j == 5) ? -last : static_cast<int>((j * 7 + i) % 11) - 5;
          w.se(delta);
          const int next = (last + delta + 256) % 256;
          if (next == 0) break;
          last = next;
        }
      }
    }
  }
  w.ue(4);  // log2_max_frame_num_minus4
  w.ue(o.poc_type);
  if (o.poc_type == 0) {
    w.ue(2);
  } else if (o.poc_type == 1) {
    w.bit(false);
    w.se(-2);
    w.se(3);
    w.ue(3);
    w.se(1);
    w.se(-1);
    w.se(7);
  }
  w.ue(4);       // max_num_ref_frames
  w.bit(false);  // gaps_in_frame_num_value_allowed_flag
  w.ue(o.width_mbs - 1);
  w.ue(o.height_map_units - 1);
  w.bit(o.frame_mbs_only);
  if (!o.frame_mbs_only) w.bit(true);  // mb_adaptive_frame_field_flag
  w.bit(true);                         // direct_8x8_inference_flag
  w.bit(o.crop_bottom != 0);
  if (o.crop_bottom != 0) {
    w.ue(0);
    w.ue(0);
    w.ue(0);
    w.ue(o.crop_bottom);
  }
  w.bit(o.vui);
  if (o.vui) {
    w.bit(true);  // aspect_ratio_info_present_flag
    w.bits(255, 8);
    w.bits(4, 16);
    w.bits(3, 16);
    w.bit(false);  // overscan
    w.bit(true);   // video_signal_type_present_flag
    w.bits(5, 3);
    w.bit(false);
    w.bit(true);  // colour_description_present_flag
    w.bits(0x010101, 24);
    w.bit(true);  // chroma_loc_info_present_flag
    w.ue(1);
    w.ue(1);
    w.bit(true);  // timing_info_present_flag
    w.bits(o.num_units_in_tick, 32);
    w.bits(o.time_scale, 32);
    w.bit(true);   // fixed_frame_rate_flag
    w.bit(false);  // nal_hrd
    w.bit(false);  // vcl_hrd
    w.bit(false);  // pic_struct_present
    w.bit(false);  // bitstream_restriction
  }
  Bytes nal{0x67};
  const Bytes escaped = test::escape_rbsp(w.finish());
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

TEST(H264Sps, RealHigh720p) {
  const auto sps = parse_avc_decoder_config(avcc_of("h264_720p30_aac48k.flv"));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(h264_profile_name(*sps), "High");
  EXPECT_EQ(h264_level_name(*sps), "3.1");
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 30.0);
}

TEST(H264Sps, RealBaselineCropped) {
  const auto sps = parse_avc_decoder_config(avcc_of("h264_baseline_640x360_aac44k_mono.flv"));
  ASSERT_TRUE(sps);
  EXPECT_EQ(h264_profile_name(*sps), "Constrained Baseline");
  EXPECT_EQ(sps->width, 640u);
  EXPECT_EQ(sps->height, 360u);  // 368 coded, 8 lines cropped
}

TEST(H264Sps, RealHigh10AndHigh444) {
  const auto high10 = parse_avc_decoder_config(avcc_of("h264_high10_320x240.flv"));
  ASSERT_TRUE(high10);
  EXPECT_EQ(high10->bit_depth_luma, 10u);
  EXPECT_EQ(h264_profile_name(*high10), "High 10");
  const auto high444 = parse_avc_decoder_config(avcc_of("h264_high444_320x240.flv"));
  ASSERT_TRUE(high444);
  EXPECT_EQ(high444->chroma_format_idc, 3u);
  EXPECT_EQ(high444->width, 320u);
  EXPECT_EQ(high444->height, 240u);
  EXPECT_DOUBLE_EQ(high444->fps.value_or(0), 24.0);
}

TEST(H264Sps, ScalingListsAreSkipped1080p) {
  SpsOptions o;
  o.scaling_lists = true;
  o.crop_bottom = 4;  // 1088 → 1080 (crop unit 2 in 4:2:0)
  o.vui = true;
  const auto sps = parse_h264_sps(build_sps(o));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  ASSERT_TRUE(sps->fps);
  EXPECT_NEAR(*sps->fps, 29.97, 0.001);
  EXPECT_EQ(h264_level_name(*sps), "4");
}

TEST(H264Sps, ScalingLists444UseTwelveLists) {
  SpsOptions o;
  o.profile_idc = 244;
  o.chroma_format_idc = 3;
  o.scaling_lists = true;
  o.width_mbs = 20;
  o.height_map_units = 15;
  o.vui = true;
  o.num_units_in_tick = 1;
  o.time_scale = 120;
  const auto sps = parse_h264_sps(build_sps(o));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->width, 320u);
  EXPECT_EQ(sps->height, 240u);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 60.0);
}

TEST(H264Sps, FieldCodingDoublesMapUnits) {
  SpsOptions o;
  o.profile_idc = 77;
  o.width_mbs = 45;
  o.height_map_units = 18;  // 18 × 2 × 16 = 576
  o.frame_mbs_only = false;
  o.poc_type = 1;
  o.vui = true;
  o.num_units_in_tick = 1;
  o.time_scale = 50;
  const auto sps = parse_h264_sps(build_sps(o));
  ASSERT_TRUE(sps);
  EXPECT_FALSE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 720u);
  EXPECT_EQ(sps->height, 576u);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 25.0);
  EXPECT_EQ(h264_profile_name(*sps), "Main");
}

TEST(H264Sps, EmulationPreventionBytesAreRemoved) {
  SpsOptions o;
  o.profile_idc = 66;
  o.vui = true;
  o.num_units_in_tick = 1;  // 31 zero bits: forces 00 00 03 into the NAL
  o.time_scale = 60;
  const Bytes nal = build_sps(o);
  bool has_epb = false;
  for (size_t i = 2; i < nal.size(); ++i) {
    has_epb |= nal[i - 2] == 0 && nal[i - 1] == 0 && nal[i] == 3;
  }
  ASSERT_TRUE(has_epb);
  const auto sps = parse_h264_sps(nal);
  ASSERT_TRUE(sps);
  EXPECT_DOUBLE_EQ(sps->fps.value_or(0), 30.0);
  EXPECT_EQ(sps->width, 1920u);
}

TEST(H264Sps, LevelNames) {
  H264Sps sps;
  sps.profile_idc = 66;
  sps.level_idc = 11;
  EXPECT_EQ(h264_level_name(sps), "1.1");
  sps.constraint_flags = 0x10;
  EXPECT_EQ(h264_level_name(sps), "1b");
  sps.profile_idc = 110;  // High 10 Intra level 1.1, not 1b
  EXPECT_EQ(h264_level_name(sps), "1.1");
  sps.level_idc = 9;
  EXPECT_EQ(h264_level_name(sps), "1b");
  sps.level_idc = 52;
  EXPECT_EQ(h264_level_name(sps), "5.2");
}

TEST(H264Sps, MalformedIsRejected) {
  EXPECT_FALSE(parse_h264_sps(Bytes{}));
  EXPECT_FALSE(parse_h264_sps(Bytes{0x68, 0x64, 0x00, 0x1f, 0xac}));  // a PPS header
  EXPECT_FALSE(parse_avc_decoder_config(Bytes{0x01, 0x64, 0x00, 0x1f, 0xff, 0xe0}));  // no SPS
  EXPECT_FALSE(parse_avc_decoder_config(Bytes{0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x40}));
  // 33 leading zero bits in an Exp-Golomb code.
  EXPECT_FALSE(parse_h264_sps(Bytes{0x67, 0x42, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80}));
  SpsOptions o;
  o.crop_bottom = 600;  // more than the picture
  EXPECT_FALSE(parse_h264_sps(build_sps(o)));
}

TEST(H264Sps, EveryTruncationIsSafe) {
  SpsOptions o;
  o.scaling_lists = true;
  o.vui = true;
  const Bytes nal = build_sps(o);
  for (size_t len = 0; len <= nal.size(); ++len) {
    (void)parse_h264_sps(std::span<const uint8_t>(nal.data(), len));
  }
}


}  // namespace
}  // namespace rtmp::media
