// AVC/HEVC decoder configuration records built from in-band parameter sets:
// the parameter sets of ffmpeg's own records (FLV avcC, MP4 hvcC from x264
// and x265) rebuilt by us give ffmpeg's record back, and malformed sets none.
#include <gtest/gtest.h>

#include "ingest/media/avc_config_builder.hpp"
#include "ingest/media/hevc_config.hpp"
#include "ingest/media/hevc_config_builder.hpp"
#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

Bytes avcc_of(const std::string& flv_name) {
  for (const auto& tag : test::read_flv_tags(test::read_fixture(flv_name))) {
    if (tag.type == 9 && tag.body.size() > 5 && tag.body[1] == 0) {
      return Bytes(tag.body.begin() + 5, tag.body.end());
    }
  }
  throw std::runtime_error("no AVC sequence header");
}

// The SPS and PPS lists of an avcC record (spans into it).
void avcc_sets(const Bytes& r, NalList& sps, NalList& pps) {
  size_t pos = 5;
  const size_t sps_count = r.at(pos++) & 0x1f;
  for (size_t i = 0; i < sps_count; ++i) {
    const size_t n = (size_t{r.at(pos)} << 8) | r.at(pos + 1);
    sps.emplace_back(r.data() + pos + 2, n);
    pos += 2 + n;
  }
  const size_t pps_count = r.at(pos++);
  for (size_t i = 0; i < pps_count; ++i) {
    const size_t n = (size_t{r.at(pos)} << 8) | r.at(pos + 1);
    pps.emplace_back(r.data() + pos + 2, n);
    pos += 2 + n;
  }
}

class AvcBuilder : public ::testing::TestWithParam<const char*> {};

TEST_P(AvcBuilder, RebuildsFfmpegsRecord) {
  const Bytes record = avcc_of(GetParam());
  NalList sps, pps;
  avcc_sets(record, sps, pps);
  const auto built = build_avc_decoder_config(sps, pps);
  ASSERT_TRUE(built);
  EXPECT_EQ(*built, record);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AvcBuilder,
                         ::testing::Values("h264_720p30_aac48k.flv",
                                           "h264_baseline_640x360_aac44k_mono.flv",
                                           "h264_high10_320x240.flv", "h264_high444_320x240.flv"));

TEST(AvcBuilder, NeedsAParsableSpsAndAPps) {
  const Bytes record = avcc_of("h264_720p30_aac48k.flv");
  NalList sps, pps;
  avcc_sets(record, sps, pps);
  EXPECT_FALSE(build_avc_decoder_config({}, pps));
  EXPECT_FALSE(build_avc_decoder_config(sps, {}));
  const Bytes junk = {0x67, 0x64};
  EXPECT_FALSE(build_avc_decoder_config({junk}, pps));
}

// The VPS/SPS/PPS arrays of an hvcC record.
void hvcc_sets(const Bytes& r, NalList& vps, NalList& sps, NalList& pps) {
  size_t pos = 22;
  const size_t arrays = r.at(pos++);
  for (size_t a = 0; a < arrays; ++a) {
    const uint8_t type = r.at(pos) & 0x3f;
    const size_t count = (size_t{r.at(pos + 1)} << 8) | r.at(pos + 2);
    pos += 3;
    for (size_t i = 0; i < count; ++i) {
      const size_t n = (size_t{r.at(pos)} << 8) | r.at(pos + 1);
      const std::span<const uint8_t> nal(r.data() + pos + 2, n);
      if (type == 32) vps.push_back(nal);
      if (type == 33) sps.push_back(nal);
      if (type == 34) pps.push_back(nal);
      pos += 2 + n;
    }
  }
}

class HevcBuilder : public ::testing::TestWithParam<const char*> {};

TEST_P(HevcBuilder, RebuildsFfmpegsRecordButTheHints) {
  const Bytes record = test::mp4_box(test::read_fixture(GetParam()), "hvcC");
  NalList vps, sps, pps;
  hvcc_sets(record, vps, sps, pps);
  const auto built = build_hevc_decoder_config(vps, sps, pps);
  ASSERT_TRUE(built);
  ASSERT_GE(built->size(), 23u);
  // Profile, tier, level, compatibility and constraint flags, chroma format,
  // bit depths, temporal layering: as ffmpeg wrote them. (ffmpeg also fills
  // min_spatial_segmentation and parallelismType from the VUI and PPS and may
  // keep SEI arrays; "unknown" is as valid there.)
  EXPECT_EQ(Bytes(built->begin(), built->begin() + 13), Bytes(record.begin(), record.begin() + 13));
  EXPECT_EQ(Bytes(built->begin() + 16, built->begin() + 19),
            Bytes(record.begin() + 16, record.begin() + 19));
  EXPECT_EQ((*built)[21], record[21]);
  const auto ours = parse_hevc_decoder_config(*built);
  const auto theirs = parse_hevc_decoder_config(record);
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(ours->width, theirs->width);
  EXPECT_EQ(ours->height, theirs->height);
  EXPECT_EQ(ours->fps, theirs->fps);
  EXPECT_EQ(hevc_profile_name(ours->ptl), hevc_profile_name(theirs->ptl));
  EXPECT_EQ(ours->ptl.level_idc, theirs->ptl.level_idc);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HevcBuilder,
                         ::testing::Values("hevc_main_640x360_25.mp4", "hevc_main10_640x360.mp4",
                                           "hevc_temporal_350x282_50.mp4"));

TEST(HevcBuilder, NeedsAllThreeAndAParsableSps) {
  const Bytes record = test::mp4_box(test::read_fixture("hevc_main_640x360_25.mp4"), "hvcC");
  NalList vps, sps, pps;
  hvcc_sets(record, vps, sps, pps);
  EXPECT_FALSE(build_hevc_decoder_config({}, sps, pps));
  EXPECT_FALSE(build_hevc_decoder_config(vps, {}, pps));
  EXPECT_FALSE(build_hevc_decoder_config(vps, sps, {}));
  const Bytes junk = {0x42, 0x01, 0x01};
  EXPECT_FALSE(build_hevc_decoder_config(vps, {junk}, pps));
}

}  // namespace
}  // namespace rtmp::media
