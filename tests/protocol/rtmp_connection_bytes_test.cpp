// RtmpConnection, a whole publish session fed at once and a byte at a time.
#include <functional>

#include "rtmp_connection_fixture.hpp"

namespace rtmp::protocol::test {
namespace {

// A whole publish session as the bytes a client sends, fed by `feed` (whole
// or in pieces). Returns the delegate's calls and what the server sent after
// the handshake, as text, so two ways of feeding can be compared.
struct Transcript {
  std::vector<std::string> calls;
  std::vector<std::string> sent;
  std::vector<Message> media;
};

std::string describe(const Message& m) {
  std::string s = std::to_string(m.header.type_id) + "/" + std::to_string(m.header.csid) + "/" +
                  std::to_string(m.header.stream_id) + "@" + std::to_string(m.header.timestamp) +
                  ":";
  for (uint8_t b : m.payload) s += std::to_string(b) + ",";
  return s;
}

Transcript run_publish_session(
    const std::function<std::string(RtmpConnection&, const std::vector<uint8_t>&)>& feed) {
  Recorder rec;
  rec.auto_answer = true;
  ConnectionOptions options;
  options.out_chunk_size = 256;
  RtmpConnection conn(options, rec);
  rec.conn = &conn;
  Client client;
  Transcript t;

  EXPECT_EQ(feed(conn, client.handshake.start()), "");
  auto r = client.handshake.feed(conn.output());
  EXPECT_TRUE(client.handshake.done());
  conn.output().clear();

  // Everything after C2, chunked with a small then a larger chunk size, with
  // header compression and an extended timestamp.
  std::vector<uint8_t> bytes = r.output;
  const auto add = [&](const Message& m) {
    const auto b = client.bytes(m);
    bytes.insert(bytes.end(), b.begin(), b.end());
  };
  add(make_window_ack_size(3000));
  add(command(
      0, "connect", 1,
      Value::Object({{"app", Value::String("live")}, {"tcUrl", Value::String("rtmp://h/live")}})));
  add(command(0, "releaseStream", 2, Value::Null(), {Value::String("k")}));
  add(command(0, "FCPublish", 3, Value::Null(), {Value::String("k")}));
  add(command(0, "createStream", 4, Value::Null()));
  add(make_user_control(UserControlEvent::kPingRequest, 77));
  add(command(1, "publish", 5, Value::Null(), {Value::String("k?token=x"), Value::String("live")}));
  add(data_message(1, {Value::String("@setDataFrame"), Value::String("onMetaData"),
                       Value::EcmaArray({{"duration", Value::Number(0)}})}));
  add(make_set_chunk_size(1000));
  client.writer.set_chunk_size(1000);
  for (uint32_t i = 0; i < 30; ++i) {
    std::vector<uint8_t> frame(i % 5 == 0 ? 2500 : 300, static_cast<uint8_t>(i));
    frame[0] = i % 5 == 0 ? 0x17 : 0x27;
    add(media_message(MessageType::kVideo, 1, 0xFFFFF0 + i * 33, frame));
    add(media_message(MessageType::kAudio, 1, 0xFFFFF0 + i * 21, {0xAF, 0x01, uint8_t(i)}));
  }
  add(command(0, "FCUnpublish", 6, Value::Null(), {Value::String("k")}));
  add(command(0, "deleteStream", 7, Value::Null(), {Value::Number(1)}));

  EXPECT_EQ(feed(conn, bytes), "");
  for (const auto& m : client.receive(conn)) t.sent.push_back(describe(m));
  t.calls = rec.log;
  t.media = std::move(rec.media);
  return t;
}

TEST(RtmpConnectionBytes, ByteAtATimeGivesTheSameSession) {
  const Transcript whole = run_publish_session(
      [](RtmpConnection& c, const std::vector<uint8_t>& b) { return c.feed(b); });
  const Transcript bytewise =
      run_publish_session([](RtmpConnection& c, const std::vector<uint8_t>& b) -> std::string {
        for (size_t i = 0; i < b.size(); ++i) {
          if (auto e = c.feed(std::span<const uint8_t>(&b[i], 1)); !e.empty()) return e;
        }
        return "";
      });

  // The session itself is right...
  ASSERT_GE(whole.calls.size(), 4u);
  EXPECT_EQ(whole.calls[0], "handshake");
  EXPECT_EQ(whole.calls[1], "connect live rtmp://h/live");
  EXPECT_EQ(whole.calls[2], "publish 1 k?token=x");
  EXPECT_EQ(whole.calls.back(), "end 1");
  ASSERT_EQ(whole.media.size(), 61u);
  EXPECT_EQ(whole.media[1].header.timestamp, 0xFFFFF0u);
  EXPECT_EQ(whole.media[59].header.timestamp, 0xFFFFF0u + 29 * 33);
  EXPECT_EQ(whole.media[59].payload.size(), 300u);
  EXPECT_EQ(whole.media[51].payload.size(), 2500u);  // video 25, a keyframe
  // Acknowledgements: a 3000-byte window over ~27 KB of media.
  size_t acks = 0;
  for (const auto& s : whole.sent) acks += s.rfind("3/", 0) == 0 ? 1 : 0;
  EXPECT_GE(acks, 1u);
  // ...and identical, apart from acknowledgements (sent when a feed() ends, so
  // their number depends on how the bytes were split), when fed a byte at a time.
  const auto without_acks = [](std::vector<std::string> v) {
    std::erase_if(v, [](const std::string& s) { return s.rfind("3/", 0) == 0; });
    return v;
  };
  EXPECT_EQ(whole.calls, bytewise.calls);
  EXPECT_EQ(without_acks(whole.sent), without_acks(bytewise.sent));
  ASSERT_EQ(whole.media.size(), bytewise.media.size());
  for (size_t i = 0; i < whole.media.size(); ++i)
    EXPECT_EQ(describe(whole.media[i]), describe(bytewise.media[i])) << i;
}

}  // namespace
}  // namespace rtmp::protocol::test
