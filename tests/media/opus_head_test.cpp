// OpusHead from a real libopus Ogg stream, and the dOps layout.
#include "ingest/media/opus_head.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(OpusHead, RealLibopus) {
  const Bytes head = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  const auto parsed = parse_opus_head(head);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->channels, 2u);
  EXPECT_EQ(parsed->input_sample_rate, 48000u);
}

TEST(OpusHead, DopsLayout) {
  const auto parsed =
      parse_opus_head(Bytes{0x00, 0x01, 0x01, 0x38, 0x00, 0x00, 0x3e, 0x80, 0x00, 0x00, 0x00});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->channels, 1u);
  EXPECT_EQ(parsed->input_sample_rate, 16000u);
}

TEST(OpusHead, Malformed) {
  Bytes head = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  for (size_t len = 0; len < head.size(); ++len) {
    EXPECT_FALSE(parse_opus_head(std::span<const uint8_t>(head.data(), len))) << len;
  }
  head[9] = 0;  // zero channels
  EXPECT_FALSE(parse_opus_head(head));
  head[9] = 2;
  head[8] = 0x10;  // major version 1
  EXPECT_FALSE(parse_opus_head(head));
}

}  // namespace
}  // namespace rtmp::media
