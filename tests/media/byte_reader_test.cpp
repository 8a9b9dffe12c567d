// ByteReader: big/little-endian reads and the sticky bounds check.
#include "ingest/media/byte_reader.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtmp::media {
namespace {

TEST(ByteReader, Reads) {
  const std::vector<uint8_t> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u24(), 0x040506u);
  EXPECT_EQ(r.u16le(), 0x0807);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_EQ(r.rest().size(), 2u);
  EXPECT_TRUE(r.ok());
}

TEST(ByteReader, OverrunIsSticky) {
  const std::vector<uint8_t> data{0x01, 0x02, 0x03};
  ByteReader r(data);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.bytes(1).empty());
  ByteReader big(data);
  EXPECT_TRUE(big.bytes(SIZE_MAX).empty());
  EXPECT_FALSE(big.ok());
}

TEST(ByteReader, LittleEndian32) {
  const std::vector<uint8_t> data{0x80, 0xbb, 0x00, 0x00};
  ByteReader r(data);
  EXPECT_EQ(r.u32le(), 48000u);
}

}  // namespace
}  // namespace rtmp::media
