// RtmpConnection, the play flow: Play.Start and the notices a player gets.
#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, PlaySessionCommandFlow) {
  const uint32_t id = create_stream();
  ASSERT_EQ(id, 1u);
  ASSERT_EQ(
      send(command(id, "play", 5, Value::Null(), {Value::String("test"), Value::Number(-2000)})),
      "");
  EXPECT_EQ(rec.log.back(), "play 1 test");
  EXPECT_TRUE(client.receive(conn).empty());

  conn.accept_play(id, "test");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 4u);
  expect_user_control(out[0], UserControlEvent::kStreamBegin, 1);
  expect_on_status(out[1], 1, "status", "NetStream.Play.Reset");
  expect_on_status(out[2], 1, "status", "NetStream.Play.Start");
  ASSERT_EQ(out[3].type(), MessageType::kDataAmf0);
  EXPECT_EQ(out[3].header.stream_id, 1u);
  std::vector<Value> access;
  ASSERT_EQ(amf0::decode_all(out[3].payload, access), "");
  ASSERT_FALSE(access.empty());
  EXPECT_EQ(access[0], Value::String("|RtmpSampleAccess"));

  // A player's own media is not taken as a publish.
  ASSERT_EQ(send(media_message(MessageType::kAudio, 1, 0, {0xAF, 0x01})), "");
  EXPECT_TRUE(rec.media.empty());

  conn.notify_unpublished(id, "test");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 2u);
  expect_user_control(out[0], UserControlEvent::kStreamEof, 1);
  expect_on_status(out[1], 1, "status", "NetStream.Play.UnpublishNotify");

  conn.notify_published(id, "test");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 2u);
  expect_user_control(out[0], UserControlEvent::kStreamBegin, 1);
  expect_on_status(out[1], 1, "status", "NetStream.Play.PublishNotify");

  ASSERT_EQ(send(command(id, "closeStream", 0, Value::Null())), "");
  EXPECT_EQ(rec.log.back(), "end 1");
}

}  // namespace
}  // namespace rtmp::protocol::test
