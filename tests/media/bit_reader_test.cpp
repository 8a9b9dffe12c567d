// BitReader: fixed-width reads, Exp-Golomb and uvlc codes, sticky failure.
#include "ingest/media/bit_reader.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/media/bit_writer.hpp"

namespace rtmp::media {
namespace {

TEST(BitReader, FixedWidth) {
  const std::vector<uint8_t> data{0xa5, 0xff, 0x00, 0x12, 0x34};
  BitReader br(data);
  EXPECT_EQ(br.bits(1), 1u);
  EXPECT_EQ(br.bits(3), 0b010u);
  EXPECT_EQ(br.bits(4), 0x5u);
  EXPECT_EQ(br.bits(32), 0xff001234u);
  EXPECT_TRUE(br.ok());
  EXPECT_EQ(br.bits_left(), 0u);
}

TEST(BitReader, ExpGolombRoundTrip) {
  test::BitWriter w;
  const std::vector<uint32_t> values{0, 1, 2, 3, 7, 254, 255, 65535, 4294967294u};
  for (const uint32_t v : values) w.ue(v);
  for (const int32_t v : {0, 1, -1, 2, -2, 127, -128}) w.se(v);
  const auto bytes = w.finish();
  BitReader br(bytes);
  for (const uint32_t v : values) EXPECT_EQ(br.ue(), v);
  for (const int32_t v : {0, 1, -1, 2, -2, 127, -128}) EXPECT_EQ(br.se(), v);
  EXPECT_TRUE(br.ok());
}

TEST(BitReader, TooManyLeadingZerosFails) {
  const std::vector<uint8_t> data{0x00, 0x00, 0x00, 0x00, 0x80};
  BitReader br(data);
  br.ue();
  EXPECT_FALSE(br.ok());
}

TEST(BitReader, Uvlc) {
  test::BitWriter w;
  w.bits(0b00101, 5);  // 2 zeros, 1, value bits 01 → 4
  w.bits(0, 32);       // 32 zeros, then a 1: saturates
  w.bit(true);
  const auto bytes = w.finish();
  BitReader br(bytes);
  EXPECT_EQ(br.uvlc(), 4u);
  EXPECT_EQ(br.uvlc(), UINT32_MAX);
  EXPECT_TRUE(br.ok());
}

TEST(BitReader, OverrunIsStickyAndReturnsZero) {
  const std::vector<uint8_t> data{0xff};
  BitReader br(data);
  EXPECT_EQ(br.bits(9), 0u);
  EXPECT_FALSE(br.ok());
  EXPECT_EQ(br.bits(1), 0u);
  EXPECT_EQ(br.ue(), 0u);
  EXPECT_EQ(br.bits_left(), 0u);
  BitReader skipper(data);
  skipper.skip(100);
  EXPECT_FALSE(skipper.ok());
  BitReader empty(std::span<const uint8_t>{});
  EXPECT_EQ(empty.uvlc(), 0u);
  EXPECT_FALSE(empty.ok());
}

TEST(BitReader, MoreThan32BitsAtOnceFails) {
  const std::vector<uint8_t> data(8, 0xff);
  BitReader br(data);
  EXPECT_EQ(br.bits(33), 0u);
  EXPECT_FALSE(br.ok());
}

}  // namespace
}  // namespace rtmp::media
