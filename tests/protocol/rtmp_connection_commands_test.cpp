// RtmpConnection, connection-level commands: createStream and the ones not implemented.
#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, CreateStreamGivesIncreasingIdsUpToALimit) {
  EXPECT_EQ(create_stream(), 1u);
  for (uint32_t want = 2; want <= 16; ++want) {
    ASSERT_EQ(send(command(0, "createStream", want + 10, Value::Null())), "");
    auto out = client.receive(conn);
    ASSERT_EQ(out.size(), 1u);
    expect_result(out[0], want + 10);
    EXPECT_EQ(parse(out[0]).args.at(0), Value::Number(want));
  }
  ASSERT_EQ(send(command(0, "createStream", 99, Value::Null())), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  const Command c = parse(out[0]);
  EXPECT_EQ(c.name, "_error");
  EXPECT_EQ(c.transaction_id, 99);
}

TEST_F(RtmpConnectionTest, UnknownCommandGetsErrorOnlyWithTransactionId) {
  connect();
  ASSERT_EQ(send(command(0, "frobnicate", 9, Value::Null())), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  const Command c = parse(out[0]);
  EXPECT_EQ(c.name, "_error");
  EXPECT_EQ(c.transaction_id, 9);
  EXPECT_EQ(info_code(c), "NetConnection.Call.Failed");

  ASSERT_EQ(send(command(0, "frobnicate", 0, Value::Null())), "");
  EXPECT_TRUE(client.receive(conn).empty());
  // Known no-ops answered only when a reply is awaited.
  ASSERT_EQ(send(command(1, "receiveAudio", 0, Value::Null(), {Value::Boolean(true)})), "");
  EXPECT_TRUE(client.receive(conn).empty());
  ASSERT_EQ(send(command(0, "_checkbw", 10, Value::Null())), "");
  out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_result(out[0], 10);
}

// ffmpeg reads the answer's fourth value as a number and warns ("Unexpected
// reply on getStreamLength()") when it is anything else.
TEST_F(RtmpConnectionTest, GetStreamLengthIsAnsweredWithANumber) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "getStreamLength", 5, Value::Null(), {Value::String("test")})), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_result(out[0], 5);
  const Command c = parse(out[0]);
  EXPECT_EQ(c.command_object, Value::Null());
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0], Value::Number(0));
  // Without a transaction id nobody waits for it.
  ASSERT_EQ(send(command(id, "getStreamLength", 0, Value::Null(), {Value::String("test")})), "");
  EXPECT_TRUE(client.receive(conn).empty());
}

}  // namespace
}  // namespace rtmp::protocol::test
