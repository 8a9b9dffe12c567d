// TsSync: MPEG-TS found in step from its first bytes, in pieces of any size,
// at any of the three packet sizes and behind a partial first packet; other
// data (raw video, random bytes, FLV) judged not TS within the limit.
#include "ingest/media/ts_sync.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using rtmp::media::TsSync;
using State = TsSync::State;

// `packets` packets of `size` bytes each starting with the sync byte, the
// rest of each filled with bytes that are never 0x47.
std::vector<uint8_t> ts(std::size_t packets, std::size_t size = 188) {
  std::vector<uint8_t> out;
  for (std::size_t p = 0; p < packets; ++p) {
    out.push_back(0x47);
    for (std::size_t i = 1; i < size; ++i) out.push_back(static_cast<uint8_t>(i % 0x40));
  }
  return out;
}

State feed_in_pieces(TsSync& sync, const std::vector<uint8_t>& bytes, std::size_t piece) {
  State s = sync.state();
  for (std::size_t i = 0; i < bytes.size(); i += piece)
    s = sync.feed(std::span(bytes).subspan(i, std::min(piece, bytes.size() - i)));
  return s;
}

TEST(TsSync, FindsTsInStepInOneSrtMessage) {
  TsSync sync(256 * 1024);
  EXPECT_EQ(sync.feed(ts(7)), State::kInStep);  // 1316 bytes, as SRT callers send
}

TEST(TsSync, ByteByByteItIsInStepAtTheFifthPacketsSyncByte) {
  TsSync sync(256 * 1024);
  const auto bytes = ts(6);
  for (std::size_t i = 0; i < 4 * 188; ++i) {
    ASSERT_EQ(sync.feed(std::span(bytes).subspan(i, 1)), State::kSearching) << "byte " << i;
  }
  EXPECT_EQ(sync.feed(std::span(bytes).subspan(4 * 188, 1)), State::kInStep);
}

TEST(TsSync, FindsTheOtherPacketSizes) {
  for (const std::size_t size : {192u, 204u}) {
    TsSync sync(256 * 1024);
    EXPECT_EQ(feed_in_pieces(sync, ts(8, size), 100), State::kInStep) << size;
  }
}

TEST(TsSync, FindsTsBehindAPartialFirstPacket) {
  auto bytes = ts(10);
  bytes.erase(bytes.begin(), bytes.begin() + 100);  // a caller that starts mid-packet
  TsSync sync(256 * 1024);
  EXPECT_EQ(feed_in_pieces(sync, bytes, 1316), State::kInStep);
}

TEST(TsSync, RandomBytesAreNotTsOnceTheLimitIsSeen) {
  std::mt19937 rng(7);
  std::vector<uint8_t> bytes(300 * 1024);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  TsSync sync(256 * 1024);
  EXPECT_EQ(feed_in_pieces(sync, std::vector(bytes.begin(), bytes.begin() + 255 * 1024), 1316),
            State::kSearching);
  EXPECT_EQ(feed_in_pieces(sync, bytes, 1316), State::kNotTs);
  EXPECT_EQ(sync.feed(ts(7)), State::kNotTs) << "the verdict stays";
}

TEST(TsSync, SyncBytesAtTheWrongDistanceAreNotTs) {
  // 0x47 every 100 bytes, and runs of 0x47 shorter than five packets.
  std::vector<uint8_t> bytes(64 * 1024, 0);
  for (std::size_t i = 0; i < bytes.size(); i += 100) bytes[i] = 0x47;
  for (std::size_t i = 0; i < 4; ++i) bytes[20000 + i * 188] = 0x47;
  TsSync sync(64 * 1024);
  EXPECT_EQ(feed_in_pieces(sync, bytes, 4096), State::kNotTs);
}

TEST(TsSync, AllSyncBytesIsInStep) {
  // Degenerate but TS-shaped (a stream of null packets would look alike).
  TsSync sync(1024);
  EXPECT_EQ(sync.feed(std::vector<uint8_t>(1024, 0x47)), State::kInStep);
}

}  // namespace
