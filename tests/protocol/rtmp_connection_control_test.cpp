// RtmpConnection, protocol and user control messages, acknowledgements and size limits.
#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

TEST_F(RtmpConnectionTest, PingRequestIsAnswered) {
  handshake();
  ASSERT_EQ(send(make_user_control(UserControlEvent::kPingRequest, 123456)), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_user_control(out[0], UserControlEvent::kPingResponse, 123456);
  // Other user control events need no answer.
  ASSERT_EQ(send(make_user_control(UserControlEvent::kSetBufferLength, 1)), "");
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, AcknowledgesAfterThePeersWindow) {
  connect();
  ASSERT_EQ(send(make_window_ack_size(1000)), "");
  EXPECT_TRUE(client.receive(conn).empty());
  const uint64_t start = conn.bytes_received();
  ASSERT_LT(start, 1000u);
  // Unanswered traffic (commands with transaction id 0) until past 1000 bytes.
  std::vector<Message> out;
  while (conn.bytes_received() < 1000) {
    const uint64_t before = conn.bytes_received();
    ASSERT_EQ(
        send(command(0, "noSuchCommand", 0, Value::Null(), {Value::String(std::string(90, 'x'))})),
        "");
    out = client.receive(conn);
    if (conn.bytes_received() < 1000) {
      EXPECT_TRUE(out.empty()) << "acknowledged early at " << conn.bytes_received();
    }
    ASSERT_GT(conn.bytes_received(), before);
  }
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].type(), MessageType::kAcknowledgement);
  EXPECT_EQ(be_at(out[0], 0, 4), static_cast<uint32_t>(conn.bytes_received()));
  // The next one comes a window later, not at once.
  ASSERT_EQ(send(command(0, "noSuchCommand", 0, Value::Null())), "");
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, SetPeerBandwidthIsAnsweredWithWindowAckSize) {
  connect();
  ASSERT_EQ(send(control(MessageType::kSetPeerBandwidth, {0x00, 0x4C, 0x4B, 0x40, 0x02})), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type(), MessageType::kWindowAckSize);
  EXPECT_EQ(be_at(out[0], 0, 4), 5000000u);
  // The same size again: already announced.
  ASSERT_EQ(send(control(MessageType::kSetPeerBandwidth, {0x00, 0x4C, 0x4B, 0x40, 0x02})), "");
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, PeerChunkSizeZeroIsAnError) {
  handshake();
  EXPECT_NE(send(control(MessageType::kSetChunkSize, be32(0))), "");
}

TEST_F(RtmpConnectionTest, PeerChunkSizeAboveMaximumIsAnError) {
  handshake();
  EXPECT_NE(send(control(MessageType::kSetChunkSize, be32(16777216))), "");
}

TEST_F(RtmpConnectionTest, PeerChunkSizeAtMaximumIsAccepted) {
  connect();
  ASSERT_EQ(send(control(MessageType::kSetChunkSize, be32(16777215))), "");
  client.writer.set_chunk_size(16777215);
  ASSERT_EQ(send(command(0, "_checkbw", 3, Value::Null())), "");
  EXPECT_EQ(client.receive(conn).size(), 1u);
}

TEST_F(RtmpConnectionTest, OversizedMessageHeaderIsAnError) {
  handshake();
  // fmt 0 on csid 6: timestamp 0, length 0xFFFFFF (over the 8 MiB default), video, stream 1.
  const std::vector<uint8_t> header = {0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x09, 1, 0, 0, 0};
  EXPECT_NE(conn.feed(header), "");
}

TEST_F(SmallLimitsTest, MessageOverTheConfiguredLimitIsAnError) {
  connect();
  EXPECT_EQ(send(media_message(MessageType::kVideo, 1, 0, std::vector<uint8_t>(1000, 1))), "");
  EXPECT_NE(send(media_message(MessageType::kVideo, 1, 0, std::vector<uint8_t>(1001, 1))), "");
}

}  // namespace
}  // namespace rtmp::protocol::test
