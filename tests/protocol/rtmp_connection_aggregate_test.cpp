// RtmpConnection, aggregate messages on a publishing stream.
#include "flv_tag_builder.hpp"
#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, AggregateIsSplitWithRebasedTimestamps) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("agg")})), "");
  conn.accept_publish(id, "agg");
  std::vector<uint8_t> body;
  append_tag(body, MessageType::kVideo, 0x01000010, {0x17, 0x01, 0, 0, 0, 1});  // ext byte used
  append_tag(body, MessageType::kAudio, 0x01000030, {0xAF, 0x01, 2});
  const std::vector<Value> meta = {Value::String("@setDataFrame"), Value::String("onMetaData"),
                                   Value::EcmaArray({})};
  append_tag(body, MessageType::kDataAmf0, 0x01000040, amf0::encode_all(meta));
  Message agg;
  agg.header.csid = 6;
  agg.header.stream_id = id;
  agg.header.timestamp = 5000;
  agg.header.type_id = static_cast<uint8_t>(MessageType::kAggregate);
  agg.header.length = static_cast<uint32_t>(body.size());
  agg.payload = body;
  ASSERT_EQ(send(agg), "");
  ASSERT_EQ(rec.media.size(), 3u);
  EXPECT_EQ(rec.media[0].type(), MessageType::kVideo);
  EXPECT_EQ(rec.media[0].header.timestamp, 5000u);
  EXPECT_EQ(rec.media[0].header.stream_id, id);
  EXPECT_EQ(rec.media[0].payload, (std::vector<uint8_t>{0x17, 0x01, 0, 0, 0, 1}));
  EXPECT_EQ(rec.media[1].type(), MessageType::kAudio);
  EXPECT_EQ(rec.media[1].header.timestamp, 5032u);
  EXPECT_EQ(rec.media[1].header.length, 3u);
  EXPECT_EQ(rec.media[2].type(), MessageType::kDataAmf0);
  EXPECT_EQ(rec.media[2].header.timestamp, 5048u);
  std::vector<Value> decoded;
  ASSERT_EQ(amf0::decode_all(rec.media[2].payload, decoded), "");
  EXPECT_EQ(decoded.at(0), Value::String("onMetaData"));
}

TEST_F(RtmpConnectionTest, TruncatedAggregateIsAnError) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("agg")})), "");
  conn.accept_publish(id, "agg");
  std::vector<uint8_t> body;
  append_tag(body, MessageType::kVideo, 0, {0x17, 0x01, 0, 0, 0, 1});
  body.resize(body.size() - 6);  // cut into the body
  Message agg = media_message(MessageType::kAggregate, id, 0, body);
  EXPECT_NE(send(agg), "");
}

TEST_F(RtmpConnectionTest, NestedAggregateIsAnError) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("agg")})), "");
  conn.accept_publish(id, "agg");
  std::vector<uint8_t> inner, outer;
  append_tag(inner, MessageType::kAudio, 0, {0xAF, 0x01});
  append_tag(outer, MessageType::kAggregate, 0, inner);
  EXPECT_NE(send(media_message(MessageType::kAggregate, id, 0, outer)), "");
}

}  // namespace
}  // namespace rtmp::protocol::test
