// AC-3 / E-AC-3 sync frames from ffmpeg's encoders, and hand-set fields.
#include "ingest/media/ac3_header.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(Ac3Header, RealAc3Stereo) {
  const auto header = parse_ac3_header(test::read_fixture("ac3_48k_stereo.ac3"));
  ASSERT_TRUE(header);
  EXPECT_FALSE(header->enhanced);
  EXPECT_EQ(header->sample_rate, 48000u);
  EXPECT_EQ(header->channels, 2u);
}

TEST(Ac3Header, RealEac3FivePointOne) {
  const auto header = parse_ac3_header(test::read_fixture("eac3_48k_5_1.eac3"));
  ASSERT_TRUE(header);
  EXPECT_TRUE(header->enhanced);
  EXPECT_EQ(header->sample_rate, 48000u);
  EXPECT_EQ(header->channels, 6u);
}

TEST(Ac3Header, HandSetFields) {
  // AC-3, fscod 1 (44100), bsid 8, acmod 7 (3/2): cmixlev, surmixlev, then lfeon.
  // Byte 6: acmod 111, cmixlev 00, surmixlev 00, lfeon (its last bit).
  const auto ac3 = parse_ac3_header(Bytes{0x0b, 0x77, 0, 0, 0x40, 0x40, 0xe0, 0xff});
  ASSERT_TRUE(ac3);
  EXPECT_EQ(ac3->sample_rate, 44100u);
  EXPECT_EQ(ac3->channels, 5u);
  const auto lfe = parse_ac3_header(Bytes{0x0b, 0x77, 0, 0, 0x40, 0x40, 0xe1, 0x00});
  ASSERT_TRUE(lfe);
  EXPECT_EQ(lfe->channels, 6u);
  // E-AC-3 with fscod 3: fscod2 1 → 22050 Hz, acmod 1 (mono).
  const auto half = parse_ac3_header(Bytes{0x0b, 0x77, 0x00, 0x10, 0xd2, 0x80, 0x00});
  ASSERT_TRUE(half);
  EXPECT_EQ(half->sample_rate, 22050u);
  EXPECT_EQ(half->channels, 1u);
}

TEST(Ac3Header, Malformed) {
  EXPECT_FALSE(parse_ac3_header(Bytes{0x0b, 0x77, 0, 0, 0x40}));
  EXPECT_FALSE(parse_ac3_header(Bytes{0x0b, 0x78, 0, 0, 0x40, 0x40, 0x40}));
  EXPECT_FALSE(parse_ac3_header(Bytes{0x0b, 0x77, 0, 0, 0xc0, 0x40, 0x40}));  // fscod 3
  EXPECT_FALSE(parse_ac3_header(Bytes{0x0b, 0x77, 0, 0, 0x40, 0xf8, 0x40}));  // bsid 31
}

}  // namespace
}  // namespace rtmp::media
