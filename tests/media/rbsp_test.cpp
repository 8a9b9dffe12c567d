// Emulation prevention removal.
#include "ingest/media/rbsp.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtmp::media {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Rbsp, DropsEmulationPreventionBytes) {
  EXPECT_EQ(unescape_rbsp(Bytes{0x00, 0x00, 0x03, 0x01}), (Bytes{0x00, 0x00, 0x01}));
  EXPECT_EQ(unescape_rbsp(Bytes{0x00, 0x00, 0x03, 0x00, 0x00, 0x03}), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(unescape_rbsp(Bytes{0x00, 0x03, 0x03}), (Bytes{0x00, 0x03, 0x03}));
  // Only the byte after two zeros: a following 03 is data.
  EXPECT_EQ(unescape_rbsp(Bytes{0x00, 0x00, 0x03, 0x03}), (Bytes{0x00, 0x00, 0x03}));
  EXPECT_TRUE(unescape_rbsp(Bytes{}).empty());
}

}  // namespace
}  // namespace rtmp::media
