// RtmpConnection, the publish flow: commands, answers, media handed to the delegate, rejections.
#include <cmath>

#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, PublishSessionCommandFlow) {
  connect();
  // releaseStream / FCPublish are answered with _result.
  ASSERT_EQ(send(command(0, "releaseStream", 2, Value::Null(), {Value::String("test")})), "");
  ASSERT_EQ(send(command(0, "FCPublish", 3, Value::Null(), {Value::String("test")})), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 2u);
  expect_result(out[0], 2);
  expect_result(out[1], 3);

  ASSERT_EQ(send(command(0, "createStream", 4, Value::Null())), "");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_result(out[0], 4);
  ASSERT_EQ(parse(out[0]).args.size(), 1u);
  EXPECT_EQ(parse(out[0]).args[0], Value::Number(1));

  ASSERT_EQ(send(command(1, "publish", 5, Value::Null(),
                         {Value::String("test?token=x"), Value::String("live")})),
            "");
  EXPECT_EQ(rec.log.back(), "publish 1 test?token=x");
  EXPECT_TRUE(client.receive(conn).empty());  // nothing until the delegate answers
  EXPECT_EQ(conn.publishing_stream(), 0u);

  conn.accept_publish(1, "test");
  EXPECT_EQ(conn.publishing_stream(), 1u);
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 2u);
  expect_user_control(out[0], UserControlEvent::kStreamBegin, 1);
  expect_on_status(out[1], 1, "status", "NetStream.Publish.Start");

  // Media: @setDataFrame is stripped, audio and video pass unchanged.
  const std::vector<Value> meta = {
      Value::String("@setDataFrame"), Value::String("onMetaData"),
      Value::EcmaArray({{"width", Value::Number(1280)}, {"height", Value::Number(720)}})};
  ASSERT_EQ(send(data_message(1, meta)), "");
  const std::vector<uint8_t> video = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f};
  const std::vector<uint8_t> audio = {0xAF, 0x00, 0x12, 0x10};
  ASSERT_EQ(send(media_message(MessageType::kVideo, 1, 0, video)), "");
  ASSERT_EQ(send(media_message(MessageType::kAudio, 1, 0, audio)), "");
  ASSERT_EQ(send(media_message(MessageType::kVideo, 1, 40, {0x27, 0x01, 0, 0, 0, 9})), "");
  ASSERT_EQ(send(media_message(MessageType::kAudio, 1, 46, {0xAF, 0x01, 0x21})), "");
  // Not on the publishing stream: not media of this publish, said once.
  ASSERT_EQ(send(media_message(MessageType::kVideo, 0, 50, video)), "");
  ASSERT_EQ(send(media_message(MessageType::kAudio, 7, 50, audio)), "");
  ASSERT_EQ(rec.refusals.size(), 1u);
  EXPECT_NE(rec.refusals[0].find("on message stream 0, not the publish's (1)"), std::string::npos)
      << rec.refusals[0];

  ASSERT_EQ(rec.media.size(), 5u);
  const Message& md = rec.media[0];
  EXPECT_EQ(md.type(), MessageType::kDataAmf0);
  EXPECT_EQ(md.header.length, md.payload.size());
  std::vector<Value> decoded;
  ASSERT_EQ(amf0::decode_all(md.payload, decoded), "");
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[0], Value::String("onMetaData"));
  EXPECT_EQ(decoded[1].get_number("width").value_or(0), 1280);
  EXPECT_EQ(rec.media[1].type(), MessageType::kVideo);
  EXPECT_EQ(rec.media[1].payload, video);
  EXPECT_EQ(rec.media[1].header.stream_id, 1u);
  EXPECT_EQ(rec.media[2].type(), MessageType::kAudio);
  EXPECT_EQ(rec.media[2].payload, audio);
  EXPECT_EQ(rec.media[3].header.timestamp, 40u);
  EXPECT_EQ(rec.media[4].header.timestamp, 46u);
  EXPECT_TRUE(client.receive(conn).empty());

  // FCUnpublish naming another stream is answered and changes nothing.
  ASSERT_EQ(send(command(0, "FCUnpublish", 5, Value::Null(), {Value::String("other")})), "");
  EXPECT_NE(rec.log.back(), "end 1");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_result(out[0], 5);
  // FCUnpublish of this stream (its query string aside) ends the publish (and
  // is answered), deleteStream names it too.
  ASSERT_EQ(send(command(0, "FCUnpublish", 6, Value::Null(), {Value::String("test?t=1")})), "");
  EXPECT_EQ(rec.log.back(), "end 1");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_result(out[0], 6);

  conn.end_publish(true);
  EXPECT_EQ(conn.publishing_stream(), 0u);
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], 1, "status", "NetStream.Unpublish.Success");

  ASSERT_EQ(send(command(0, "deleteStream", 7, Value::Null(), {Value::Number(1)})), "");
  EXPECT_EQ(rec.log.back(), "end 1");
  // Media after the publish ended goes nowhere.
  ASSERT_EQ(send(media_message(MessageType::kVideo, 1, 80, video)), "");
  EXPECT_EQ(rec.media.size(), 5u);
}

TEST_F(RtmpConnectionTest, DeleteStreamWithAnIdOutOfRangeEndsNothing) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("test")})), "");
  conn.accept_publish(id, "test");
  const size_t logged = rec.log.size();
  for (double bad : {-4.0, 1.5, 1e20, 4294967296.0, std::nan("")})
    ASSERT_EQ(send(command(0, "deleteStream", 7, Value::Null(), {Value::Number(bad)})), "");
  EXPECT_EQ(rec.log.size(), logged);
  EXPECT_EQ(conn.publishing_stream(), id);
  ASSERT_EQ(send(command(0, "deleteStream", 8, Value::Null(), {Value::Number(id)})), "");
  EXPECT_EQ(rec.log.back(), "end " + std::to_string(id));
}

TEST_F(RtmpConnectionTest, EndPublishWithoutNotifySendsNothing) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("test")})), "");
  conn.accept_publish(id, "test");
  client.receive(conn);
  conn.end_publish(false);
  EXPECT_EQ(conn.publishing_stream(), 0u);
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, RejectsAreErrorLevelOnStatus) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "play", 5, Value::Null(), {Value::String("nope")})), "");
  conn.reject_play(id, "NetStream.Play.StreamNotFound", "No such stream");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], id, "error", "NetStream.Play.StreamNotFound");

  ASSERT_EQ(send(command(id, "publish", 6, Value::Null(), {Value::String("busy")})), "");
  conn.reject_publish(id, "NetStream.Publish.BadName", "Already publishing");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], id, "error", "NetStream.Publish.BadName");
  EXPECT_EQ(conn.publishing_stream(), 0u);
}

TEST_F(RtmpConnectionTest, PublishOnStreamZeroOrASecondPublishIsBadName) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(0, "publish", 5, Value::Null(), {Value::String("a")})), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], 0, "error", "NetStream.Publish.BadName");

  ASSERT_EQ(send(command(id, "publish", 6, Value::Null(), {Value::String("a")})), "");
  conn.accept_publish(id, "a");
  client.receive(conn);
  const size_t calls = rec.log.size();
  ASSERT_EQ(send(command(id, "publish", 7, Value::Null(), {Value::String("b")})), "");
  EXPECT_EQ(rec.log.size(), calls);  // the delegate is not asked
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], id, "error", "NetStream.Publish.BadName");
  EXPECT_EQ(conn.publishing_stream(), id);
}

// What a publisher sends before the answer to its publish (an auth callback
// may take seconds; relays send their sequence headers at once) is held and
// handed over in order when the publish is accepted. A second publish
// meanwhile is refused without disturbing it.
TEST_F(RtmpConnectionTest, MediaBeforeTheAnswerIsHeldUntilAccepted) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("a")})), "");
  ASSERT_EQ(send(data_message(id, {Value::String("@setDataFrame"), Value::String("onMetaData"),
                                   Value::EcmaArray({{"width", Value::Number(640)}})})),
            "");
  ASSERT_EQ(send(media_message(MessageType::kVideo, id, 0, {0x17, 0, 0, 0, 0, 1, 0x64})), "");
  ASSERT_EQ(send(media_message(MessageType::kAudio, id, 0, {0xAF, 0x00, 0x12, 0x10})), "");
  ASSERT_EQ(send(media_message(MessageType::kVideo, 0, 0, {0x17, 0x01})), "");  // not its stream
  EXPECT_TRUE(rec.media.empty());
  EXPECT_FALSE(conn.hold_full());

  ASSERT_EQ(send(command(id, "publish", 6, Value::Null(), {Value::String("b")})), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_on_status(out[0], id, "error", "NetStream.Publish.BadName");

  conn.accept_publish(id, "a");
  ASSERT_EQ(rec.media.size(), 3u);
  EXPECT_EQ(rec.media[0].type(), MessageType::kDataAmf0);
  EXPECT_EQ(rec.media[1].type(), MessageType::kVideo);
  EXPECT_EQ(rec.media[2].type(), MessageType::kAudio);
  ASSERT_EQ(send(media_message(MessageType::kAudio, id, 23, {0xAF, 0x01, 0x21})), "");
  ASSERT_EQ(rec.media.size(), 4u);
  EXPECT_EQ(rec.media[3].header.timestamp, 23u);
}

TEST_F(RtmpConnectionTest, HeldMediaOfARefusedPublishIsDropped) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("a")})), "");
  ASSERT_EQ(send(media_message(MessageType::kVideo, id, 0, {0x17, 0, 0, 0, 0, 1, 0x64})), "");
  conn.reject_publish(id, "NetStream.Publish.Unauthorized", "Authentication failed");
  ASSERT_EQ(send(media_message(MessageType::kVideo, id, 40, {0x27, 0x01})), "");
  ASSERT_EQ(send(command(id, "publish", 6, Value::Null(), {Value::String("a")})), "");
  conn.accept_publish(id, "a");
  EXPECT_TRUE(rec.media.empty());
}

class SmallHoldTest : public RtmpConnectionTest {
 protected:
  static ConnectionOptions options() {
    ConnectionOptions o;
    o.publish_hold_bytes = 100;
    return o;
  }
  SmallHoldTest() : RtmpConnectionTest(options()) {}
};

// Past the bound the caller is told to stop reading; nothing is dropped.
TEST_F(SmallHoldTest, AFullHoldAsksToStopReading) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("a")})), "");
  const std::vector<uint8_t> frame(60, 0x27);
  ASSERT_EQ(send(media_message(MessageType::kVideo, id, 0, frame)), "");
  EXPECT_FALSE(conn.hold_full());
  ASSERT_EQ(send(media_message(MessageType::kVideo, id, 40, frame)), "");
  EXPECT_TRUE(conn.hold_full());
  conn.accept_publish(id, "a");
  EXPECT_FALSE(conn.hold_full());
  EXPECT_EQ(rec.media.size(), 2u);
}

}  // namespace
}  // namespace rtmp::protocol::test
