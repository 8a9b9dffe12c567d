// RtmpConnection, connect: what it is answered with, what comes before it, malformed commands and
// handshakes.
#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, ConnectIsAnsweredAfterWindowBandwidthAndChunkSize) {
  handshake();
  ASSERT_EQ(send(command(0, "connect", 1,
                         Value::Object({{"app", Value::String("live/")},
                                        {"tcUrl", Value::String("rtmp://host:1935/live")},
                                        {"objectEncoding", Value::Number(0)}}))),
            "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].type(), MessageType::kWindowAckSize);
  EXPECT_EQ(be_at(out[0], 0, 4), 2500000u);
  EXPECT_EQ(out[1].type(), MessageType::kSetPeerBandwidth);
  EXPECT_EQ(be_at(out[1], 0, 4), 2500000u);
  EXPECT_EQ(be_at(out[1], 4, 1), 2u);  // dynamic
  EXPECT_EQ(out[2].type(), MessageType::kSetChunkSize);
  EXPECT_EQ(be_at(out[2], 0, 4), 4096u);
  expect_result(out[3], 1);
  const Command c = parse(out[3]);
  EXPECT_EQ(c.command_object.get_string("fmsVer").value_or(""), "FMS/3,0,1,123");
  EXPECT_EQ(info_code(c), "NetConnection.Connect.Success");
  // The client's reader applied our Set Chunk Size.
  EXPECT_EQ(client.reader.chunk_size(), 4096u);
  EXPECT_EQ(conn.app(), "live");
  EXPECT_EQ(rec.log.back(), "connect live rtmp://host:1935/live");
}

TEST_F(SmallLimitsTest, OptionsShapeTheConnectReply) {
  handshake();
  ASSERT_EQ(send(command(0, "connect", 1, Value::Object({{"app", Value::String("a")}}))), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(be_at(out[0], 0, 4), 1234567u);
  EXPECT_EQ(be_at(out[1], 0, 4), 1234567u);
  EXPECT_EQ(be_at(out[2], 0, 4), 128u);
  EXPECT_EQ(conn.out_chunk_size(), 128u);
}

TEST_F(RtmpConnectionTest, Amf3CommandIsUnderstood) {
  handshake();
  Message m = command(0, "connect", 1, Value::Object({{"app", Value::String("live")}}));
  m.payload.insert(m.payload.begin(), 0x00);
  m.header.type_id = static_cast<uint8_t>(MessageType::kCommandAmf3);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  ASSERT_EQ(send(m), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 4u);
  expect_result(out[3], 1);
}

TEST_F(RtmpConnectionTest, CommandBeforeConnectIsAnError) {
  handshake();
  EXPECT_NE(send(command(0, "createStream", 2, Value::Null())), "");
}

TEST_F(RtmpConnectionTest, MalformedCommandIsAnError) {
  handshake();
  Message m = make_command(3, 0, std::vector<Value>{Value::Number(1)});
  EXPECT_NE(send(m), "");
}

TEST_F(RtmpConnectionTest, MalformedHandshakeIsAnError) {
  std::vector<uint8_t> c0c1(1 + ServerHandshake::kC1Size, 0);
  c0c1[0] = 0x48;  // 'H': an HTTP client
  EXPECT_NE(conn.feed(c0c1), "");
}

// A connect that names no app is refused: _error (Connect.Rejected), feed()
// reports it so the caller closes, and the delegate never hears of it.
void expect_connect_refused(const std::vector<Value>& values) {
  Recorder rec;
  RtmpConnection conn({}, rec);
  rec.conn = &conn;
  Client client;
  ASSERT_EQ(conn.feed(client.handshake.start()), "");
  const auto r = client.handshake.feed(conn.output());
  conn.output().clear();
  ASSERT_EQ(conn.feed(r.output), "");
  const std::string err = conn.feed(client.bytes(make_command(3, 0, values)));
  EXPECT_NE(err, "");
  EXPECT_FALSE(conn.connected());
  EXPECT_EQ(rec.log, std::vector<std::string>{"handshake"});
  const auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  const Command c = parse(out[0]);
  EXPECT_EQ(c.name, "_error");
  EXPECT_EQ(info_code(c), "NetConnection.Connect.Rejected");
}

TEST(RtmpConnectionConnect, WithoutTransactionIdOrCommandObjectIsRefused) {
  expect_connect_refused({Value::String("connect")});
  expect_connect_refused({Value::String("connect"), Value::Number(1)});
  expect_connect_refused({Value::String("connect"), Value::Number(1), Value::Null()});
  expect_connect_refused({Value::String("connect"), Value::Number(1), Value::String("live")});
}

TEST(RtmpConnectionConnect, CommandObjectWithoutAppIsRefused) {
  expect_connect_refused({Value::String("connect"), Value::Number(1),
                          Value::Object({{"tcUrl", Value::String("rtmp://h/live")}})});
  expect_connect_refused(
      {Value::String("connect"), Value::Number(1), Value::Object({{"app", Value::Number(7)}})});
}

TEST_F(RtmpConnectionTest, EmptyAppIsStillAnApp) {
  handshake();
  ASSERT_EQ(send(command(0, "connect", 1, Value::Object({{"app", Value::String("")}}))), "");
  EXPECT_TRUE(conn.connected());
  EXPECT_EQ(rec.log.back(), "connect  ");
}

}  // namespace
}  // namespace rtmp::protocol::test
