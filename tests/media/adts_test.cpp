// ADTS headers: a real ffmpeg AAC stream, CRC-protected headers, junk; the
// AudioSpecificConfig they make reads back with our ASC parser.
#include "ingest/media/adts.hpp"

#include <gtest/gtest.h>

#include "ingest/media/aac_config.hpp"
#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(Adts, RealStreamFramesChainAndDescribeLcStereo48k) {
  const Bytes stream = test::read_fixture("aac_48k_stereo.adts");
  size_t pos = 0;
  int frames = 0;
  while (pos < stream.size()) {
    const auto h = parse_adts_header(std::span(stream).subspan(pos));
    ASSERT_TRUE(h) << "at " << pos;
    EXPECT_EQ(h->object_type, 2);
    EXPECT_EQ(h->sample_rate, 48000u);
    EXPECT_EQ(h->channel_config, 2);
    EXPECT_EQ(h->header_size, 7u);
    EXPECT_EQ(h->raw_blocks, 1);
    pos += h->frame_length;
    ++frames;
  }
  EXPECT_EQ(pos, stream.size());
  EXPECT_GE(frames, 5);

  const auto h = parse_adts_header(stream);
  const auto asc = adts_audio_specific_config(*h);
  EXPECT_EQ(asc[0], 0x11);  // LC, index 3 (48 kHz), 2 channels
  EXPECT_EQ(asc[1], 0x90);
  const auto config = parse_aac_config(asc);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sample_rate, 48000u);
  EXPECT_EQ(config->channels, 2u);
  EXPECT_EQ(aac_profile_name(*config), "LC");
}

TEST(Adts, CrcHeaderIsNineBytes) {
  // protection_absent 0, LC, 44.1 kHz (index 4), mono, frame length 20.
  const Bytes header = {0xff, 0xf0, 0x50, 0x40, 0x02, 0x80, 0x00, 0xaa, 0xbb};
  const auto h = parse_adts_header(header);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header_size, 9u);
  EXPECT_EQ(h->sample_rate, 44100u);
  EXPECT_EQ(h->channel_config, 1);
  EXPECT_EQ(h->frame_length, 20u);
}

TEST(Adts, RejectsJunk) {
  EXPECT_FALSE(parse_adts_header(Bytes{}));
  EXPECT_FALSE(parse_adts_header(Bytes{0xff, 0xf1, 0x50}));                          // short
  EXPECT_FALSE(parse_adts_header(Bytes{0xfe, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc}));  // sync
  EXPECT_FALSE(parse_adts_header(Bytes{0xff, 0xf3, 0x50, 0x80, 0x02, 0x1f, 0xfc}));  // layer
  EXPECT_FALSE(parse_adts_header(Bytes{0xff, 0xf1, 0x74, 0x80, 0x02, 0x1f, 0xfc}));  // index 13
  EXPECT_FALSE(parse_adts_header(Bytes{0xff, 0xf1, 0x50, 0x80, 0x00, 0xdf, 0xfc}));  // length 6
}

}  // namespace
}  // namespace rtmp::media
