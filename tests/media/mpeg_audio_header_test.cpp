// MPEG audio frame headers: a real LAME frame and every version/layer.
#include "ingest/media/mpeg_audio_header.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(MpegAudioHeader, RealLameFrame) {
  const auto tags = test::read_flv_tags(test::read_fixture("mp3_44k_mono.flv"));
  const auto tag = test::first_tag(tags, 8, [](const test::FlvTag&) { return true; });
  const auto header = parse_mpeg_audio_header(std::span<const uint8_t>(tag.body).subspan(1));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->layer, 3);
  EXPECT_EQ(header->sample_rate, 44100u);
  EXPECT_EQ(header->channels, 1u);
}

TEST(MpegAudioHeader, VersionsAndLayers) {
  const auto mpeg2 = parse_mpeg_audio_header(Bytes{0xff, 0xf3, 0x80, 0x00});
  ASSERT_TRUE(mpeg2);
  EXPECT_EQ(mpeg2->sample_rate, 22050u);
  EXPECT_EQ(mpeg2->channels, 2u);
  const auto mpeg25 = parse_mpeg_audio_header(Bytes{0xff, 0xe3, 0x84, 0xc0});
  ASSERT_TRUE(mpeg25);
  EXPECT_EQ(mpeg25->sample_rate, 12000u);
  EXPECT_EQ(mpeg25->channels, 1u);
  const auto layer2 = parse_mpeg_audio_header(Bytes{0xff, 0xfd, 0x84, 0x40});
  ASSERT_TRUE(layer2);
  EXPECT_EQ(layer2->layer, 2);
  EXPECT_EQ(layer2->sample_rate, 48000u);
}

TEST(MpegAudioHeader, Malformed) {
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xff, 0xfb, 0x90}));        // short
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xfe, 0xfb, 0x90, 0x00}));  // no sync
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xff, 0xeb, 0x90, 0x00}));  // version 01
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xff, 0xf9, 0x90, 0x00}));  // layer 00
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xff, 0xfb, 0xf0, 0x00}));  // bitrate 15
  EXPECT_FALSE(parse_mpeg_audio_header(Bytes{0xff, 0xfb, 0x9c, 0x00}));  // rate 3
}

}  // namespace
}  // namespace rtmp::media
