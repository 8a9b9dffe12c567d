// AudioSpecificConfig: real ffmpeg configs and hand-built HE-AAC (explicit and
// implicit SBR/PS), explicit frequency, PCE channel layouts, escapes.
#include "ingest/media/aac_config.hpp"

#include <gtest/gtest.h>

#include "tests/media/bit_writer.hpp"
#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::media {
namespace {

using test::BitWriter;
using test::Bytes;

Bytes asc_of(const std::string& flv_name) {
  for (const auto& tag : test::read_flv_tags(test::read_fixture(flv_name))) {
    if (tag.type == 8 && tag.body.size() > 2 && tag.body[1] == 0) {
      return Bytes(tag.body.begin() + 2, tag.body.end());
    }
  }
  throw std::runtime_error("no AAC sequence header");
}

Bytes bytes_of(BitWriter& w) {
  w.bits(0, 7);  // pad (the parser must not need more)
  return w.finish();
}

TEST(AacConfig, RealLc) {
  const auto stereo = parse_aac_config(asc_of("h264_720p30_aac48k.flv"));
  ASSERT_TRUE(stereo);
  EXPECT_EQ(stereo->object_type, 2u);
  EXPECT_EQ(stereo->sample_rate, 48000u);
  EXPECT_EQ(stereo->channels, 2u);
  EXPECT_EQ(aac_profile_name(*stereo), "LC");
  const auto mono = parse_aac_config(asc_of("h264_baseline_640x360_aac44k_mono.flv"));
  ASSERT_TRUE(mono);
  EXPECT_EQ(mono->sample_rate, 44100u);
  EXPECT_EQ(mono->channels, 1u);
}

TEST(AacConfig, ExplicitHeAac) {
  BitWriter w;
  w.bits(5, 5);  // SBR
  w.bits(6, 4);  // 24000 core
  w.bits(2, 4);  // stereo
  w.bits(3, 4);  // 48000 extension
  w.bits(2, 5);  // LC core
  w.bits(0, 3);  // GASpecificConfig
  const auto config = parse_aac_config(bytes_of(w));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sample_rate, 48000u);
  EXPECT_EQ(config->channels, 2u);
  EXPECT_EQ(aac_profile_name(*config), "HE-AAC");
}

TEST(AacConfig, ExplicitHeAacV2MonoCoreIsStereo) {
  BitWriter w;
  w.bits(29, 5);
  w.bits(7, 4);  // 22050 core
  w.bits(1, 4);  // mono
  w.bits(4, 4);  // 44100
  w.bits(2, 5);
  w.bits(0, 3);
  const auto config = parse_aac_config(bytes_of(w));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sample_rate, 44100u);
  EXPECT_EQ(config->channels, 2u);
  EXPECT_EQ(aac_profile_name(*config), "HE-AACv2");
}

TEST(AacConfig, ImplicitSbrAndPsSyncExtensions) {
  BitWriter w;
  w.bits(2, 5);
  w.bits(6, 4);  // 24000
  w.bits(1, 4);  // mono
  w.bits(0, 3);
  w.bits(0x2b7, 11);
  w.bits(5, 5);
  w.bit(true);   // sbrPresentFlag
  w.bits(3, 4);  // 48000
  const Bytes he = bytes_of(w);
  const auto config = parse_aac_config(he);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sample_rate, 48000u);
  EXPECT_EQ(config->channels, 1u);
  EXPECT_EQ(aac_profile_name(*config), "HE-AAC");

  BitWriter v2;
  v2.bits(2, 5);
  v2.bits(6, 4);
  v2.bits(1, 4);
  v2.bits(0, 3);
  v2.bits(0x2b7, 11);
  v2.bits(5, 5);
  v2.bit(true);
  v2.bits(3, 4);
  v2.bits(0x548, 11);
  v2.bit(true);  // psPresentFlag
  const auto ps = parse_aac_config(bytes_of(v2));
  ASSERT_TRUE(ps);
  EXPECT_EQ(aac_profile_name(*ps), "HE-AACv2");
  EXPECT_EQ(ps->channels, 2u);
}

TEST(AacConfig, ExplicitFrequencyAndEscapedObjectType) {
  BitWriter w;
  w.bits(2, 5);
  w.bits(15, 4);
  w.bits(37800, 24);
  w.bits(2, 4);
  w.bits(0, 3);
  const auto config = parse_aac_config(bytes_of(w));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sample_rate, 37800u);

  BitWriter usac;
  usac.bits(31, 5);
  usac.bits(42 - 32, 6);
  usac.bits(3, 4);
  usac.bits(2, 4);
  const auto x = parse_aac_config(bytes_of(usac));
  ASSERT_TRUE(x);
  EXPECT_EQ(x->object_type, 42u);
  EXPECT_EQ(aac_profile_name(*x), "xHE-AAC");
}

TEST(AacConfig, ProgramConfigElementChannels) {
  BitWriter w;
  w.bits(2, 5);
  w.bits(4, 4);
  w.bits(0, 4);  // channelConfiguration 0: PCE follows
  w.bits(0, 3);  // GASpecificConfig
  w.bits(0, 4);  // element_instance_tag
  w.bits(1, 2);  // object_type
  w.bits(4, 4);  // sampling_frequency_index
  w.bits(2, 4);  // front
  w.bits(0, 4);  // side
  w.bits(1, 4);  // back
  w.bits(1, 2);  // lfe
  w.bits(0, 3);
  w.bits(0, 4);
  w.bits(0, 3);  // no mixdowns
  w.bit(false);  // front 0: SCE (C)
  w.bits(0, 4);
  w.bit(true);  // front 1: CPE (L/R)
  w.bits(0, 4);
  w.bit(true);  // back: CPE
  w.bits(1, 4);
  w.bits(0, 4);  // lfe tag
  const auto config = parse_aac_config(bytes_of(w));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->channels, 6u);
  EXPECT_EQ(config->sample_rate, 44100u);
}

TEST(AacConfig, Malformed) {
  EXPECT_FALSE(parse_aac_config(Bytes{}));
  EXPECT_FALSE(parse_aac_config(Bytes{0x12}));        // cut inside channelConfiguration
  EXPECT_FALSE(parse_aac_config(Bytes{0x16, 0x90}));  // sampling index 13 (reserved)
  EXPECT_FALSE(parse_aac_config(Bytes{0x01, 0x90}));  // object type 0
  EXPECT_FALSE(parse_aac_config(Bytes{0x2b, 0x10}));  // SBR without the extension rate
}

}  // namespace
}  // namespace rtmp::media
