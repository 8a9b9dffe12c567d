// FLAC STREAMINFO from a real ffmpeg .flac file.
#include "ingest/media/flac_stream_info.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

Bytes flac_header() {
  const Bytes file = test::read_fixture("flac_44k_stereo.flac");
  return Bytes(file.begin(), file.begin() + 42);
}

TEST(FlacStreamInfo, RealFile) {
  const auto info = parse_flac_stream_info(flac_header());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_rate, 44100u);
  EXPECT_EQ(info->channels, 2u);
  EXPECT_EQ(info->bits_per_sample, 16u);
}

TEST(FlacStreamInfo, WithoutMagic) {
  const Bytes header = flac_header();
  const auto info = parse_flac_stream_info(std::span<const uint8_t>(header).subspan(4));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_rate, 44100u);
}

TEST(FlacStreamInfo, Malformed) {
  Bytes header = flac_header();
  for (size_t len = 0; len < header.size(); ++len) {
    EXPECT_FALSE(parse_flac_stream_info(std::span<const uint8_t>(header.data(), len))) << len;
  }
  header[4] = 0x84;  // block type 4 (VORBIS_COMMENT) first
  EXPECT_FALSE(parse_flac_stream_info(header));
}

}  // namespace
}  // namespace rtmp::media
