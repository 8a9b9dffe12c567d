#include "ingest/protocol/aggregate.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv_tag_builder.hpp"

namespace rtmp::protocol {
namespace {

using test::append_tag;

Message aggregate(uint32_t timestamp, std::vector<uint8_t> payload) {
  Message m;
  m.header.csid = 6;
  m.header.stream_id = 1;
  m.header.timestamp = timestamp;
  m.header.type_id = static_cast<uint8_t>(MessageType::kAggregate);
  m.header.length = static_cast<uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

TEST(Aggregate, TagsBecomeMessagesOnTheAggregatesStreams) {
  std::vector<uint8_t> body;
  append_tag(body, MessageType::kVideo, 100, {0x17, 1});
  append_tag(body, MessageType::kAudio, 140, {0xAF, 1, 2});
  std::vector<Message> out;
  ASSERT_EQ(split_aggregate(aggregate(7000, body), out), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type(), MessageType::kVideo);
  EXPECT_EQ(out[0].header.timestamp, 7000u);
  EXPECT_EQ(out[0].header.csid, 6u);
  EXPECT_EQ(out[0].header.stream_id, 1u);
  EXPECT_EQ(out[0].payload, (std::vector<uint8_t>{0x17, 1}));
  EXPECT_EQ(out[1].type(), MessageType::kAudio);
  EXPECT_EQ(out[1].header.timestamp, 7040u);
  EXPECT_EQ(out[1].header.length, 3u);
}

TEST(Aggregate, EmptyOrShorterThanATagHeaderGivesNothing) {
  std::vector<Message> out;
  EXPECT_EQ(split_aggregate(aggregate(0, {}), out), "");
  EXPECT_EQ(split_aggregate(aggregate(0, std::vector<uint8_t>(10, 9)), out), "");
  EXPECT_TRUE(out.empty());
}

TEST(Aggregate, TagsBeforeAMalformedOneAreKept) {
  std::vector<uint8_t> body;
  append_tag(body, MessageType::kAudio, 0, {0xAF, 1});
  std::vector<uint8_t> truncated = body;
  append_tag(truncated, MessageType::kVideo, 0, {0x17, 1, 0, 0, 0});
  truncated.resize(truncated.size() - 6);
  std::vector<Message> out;
  EXPECT_NE(split_aggregate(aggregate(0, truncated), out), "");
  EXPECT_EQ(out.size(), 1u);

  std::vector<uint8_t> nested = body;
  append_tag(nested, MessageType::kAggregate, 0, body);
  out.clear();
  EXPECT_NE(split_aggregate(aggregate(0, nested), out), "");
  EXPECT_EQ(out.size(), 1u);
}

TEST(Aggregate, TagSizeNearTheTopOfItsRangeDoesNotOverflow) {
  std::vector<uint8_t> body;
  append_tag(body, MessageType::kAudio, 0, {0xAF});
  body[1] = body[2] = body[3] = 0xFF;  // 16 MiB - 1 claimed
  std::vector<Message> out;
  EXPECT_NE(split_aggregate(aggregate(0, body), out), "");
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace rtmp::protocol
