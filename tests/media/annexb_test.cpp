// Annex-B splitting: 3- and 4-byte start codes, trailing zeros, leading junk,
// escaped bytes kept; the length-prefixed form.
#include "ingest/media/annexb.hpp"

#include <gtest/gtest.h>

#include "tests/media/es_fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

std::vector<Bytes> split(const Bytes& data) {
  std::vector<Bytes> out;
  for (const auto& nal : split_annexb(data)) out.emplace_back(nal.begin(), nal.end());
  return out;
}

TEST(AnnexB, SplitsAtThreeAndFourByteStartCodes) {
  const Bytes data = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1,    0x67, 0x42,
                      0, 0, 3, 1, 0,    0,    0, 1, 0x65, 0x88};
  const auto nals = split(data);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(nals[0], (Bytes{0x09, 0xf0}));
  EXPECT_EQ(nals[1], (Bytes{0x67, 0x42, 0, 0, 3, 1}));  // emulation prevention kept
  EXPECT_EQ(nals[2], (Bytes{0x65, 0x88}));
}

TEST(AnnexB, DropsTrailingZerosLeadingJunkAndEmptyUnits) {
  const Bytes data = {0xaa, 0xbb, 0, 0, 1, 0x41, 0x9a, 0,    0, 0, 0,
                      0,    0,    1, 0, 0, 1,    0x41, 0x01, 0, 0};
  const auto nals = split(data);
  ASSERT_EQ(nals.size(), 2u);
  EXPECT_EQ(nals[0], (Bytes{0x41, 0x9a}));
  EXPECT_EQ(nals[1], (Bytes{0x41, 0x01}));
}

TEST(AnnexB, NoStartCodeIsNothing) {
  EXPECT_TRUE(split({}).empty());
  EXPECT_TRUE(split({0, 0}).empty());
  EXPECT_TRUE(split({0x65, 0x88, 0x84, 0, 0, 2}).empty());
  EXPECT_TRUE(split({0, 0, 1}).empty());
}

TEST(AnnexB, RealStreamHasAudSpsPpsAndSlices) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  ASSERT_EQ(units.size(), 10u);
  std::vector<uint8_t> types;
  for (const auto& nal : split_annexb(units[0])) types.push_back(test::nal_type(nal, false));
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(types[0], 9);
  EXPECT_EQ(types[1], 7);
  EXPECT_EQ(types[2], 8);
  EXPECT_EQ(types.back(), 5);
}

TEST(AnnexB, LengthPrefixed) {
  Bytes out;
  append_length_prefixed(out, Bytes{0x65, 1, 2});
  EXPECT_EQ(out, (Bytes{0, 0, 0, 3, 0x65, 1, 2}));
}

}  // namespace
}  // namespace rtmp::media
