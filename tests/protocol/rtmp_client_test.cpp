// The publishing client, from bytes: against the server's own state machine
// (RtmpConnection, both without I/O) and against replies built byte by byte
// (refusals, odd servers).
#include "ingest/protocol/rtmp_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/protocol/rtmp_connection.hpp"

namespace rtmp::protocol {
namespace {

using amf0::Value;

class Server : public RtmpDelegate {
 public:
  explicit Server(bool accept) : accept_(accept), conn(ConnectionOptions{}, *this) {}
  void on_handshake_complete() override { handshake = true; }
  void on_connect(const std::string& a, const std::string& tc) override {
    app = a;
    tc_url = tc;
  }
  void on_publish(uint32_t stream_id, const std::string& n) override {
    name = n;
    if (accept_) {
      conn.accept_publish(stream_id, n);
    } else {
      conn.reject_publish(stream_id, "NetStream.Publish.BadName", "already publishing");
    }
  }
  void on_play(uint32_t, const std::string&) override {}
  void on_stream_end(uint32_t) override { ended = true; }
  void on_media(Message&& m) override { media.push_back(std::move(m)); }

  bool accept_;
  RtmpConnection conn;
  bool handshake = false, ended = false;
  std::string app, tc_url, name;
  std::vector<Message> media;
};

ClientOptions options() {
  ClientOptions o;
  o.app = "live";
  o.tc_url = "rtmp://127.0.0.1:1935/live";
  o.stream_name = "x?token=t";
  return o;
}

// Moves bytes both ways until neither side has anything to say; splits each
// transfer into `step`-byte pieces. Returns the client's first error.
std::string pump(RtmpClient& client, Server& server, size_t step = 1 << 20) {
  for (int round = 0; round < 50; ++round) {
    auto c2s = std::move(client.output());
    client.output().clear();
    for (size_t i = 0; i < c2s.size(); i += step) {
      const size_t n = std::min(step, c2s.size() - i);
      EXPECT_EQ(server.conn.feed({c2s.data() + i, n}), "");
    }
    auto s2c = std::move(server.conn.output());
    server.conn.output().clear();
    for (size_t i = 0; i < s2c.size(); i += step) {
      const size_t n = std::min(step, s2c.size() - i);
      if (auto e = client.feed({s2c.data() + i, n}); !e.empty()) return e;
    }
    if (c2s.empty() && s2c.empty()) break;
  }
  return "";
}

TEST(RtmpClient, PublishesToTheServerStateMachine) {
  Server server(true);
  RtmpClient client(options());
  client.start();
  EXPECT_EQ(pump(client, server), "");
  EXPECT_TRUE(server.handshake);
  EXPECT_EQ(server.app, "live");
  EXPECT_EQ(server.tc_url, "rtmp://127.0.0.1:1935/live");
  EXPECT_EQ(server.name, "x?token=t");
  ASSERT_TRUE(client.published());
  EXPECT_EQ(client.stream_id(), 1u);
  EXPECT_EQ(server.conn.publishing_stream(), 1u);

  // Media chunked at the client's announced chunk size reaches the server.
  std::vector<uint8_t> bytes;
  MessageHeader h{kCsidVideo, 40, 10000, static_cast<uint8_t>(MessageType::kVideo),
                  client.stream_id()};
  std::vector<uint8_t> payload(10000, 0x27);
  write_chunks_fmt0(client.out_chunk_size(), h, payload, bytes);
  EXPECT_EQ(server.conn.feed(bytes), "");
  ASSERT_EQ(server.media.size(), 1u);
  EXPECT_EQ(server.media[0].payload, payload);
  EXPECT_EQ(server.media[0].header.timestamp, 40u);

  client.unpublish();
  EXPECT_EQ(pump(client, server), "");
  EXPECT_TRUE(server.ended);
}

TEST(RtmpClient, ByteAtATime) {
  Server server(true);
  RtmpClient client(options());
  client.start();
  EXPECT_EQ(pump(client, server, 1), "");
  EXPECT_TRUE(client.published());
}

TEST(RtmpClient, WithoutFcPublish) {
  Server server(true);
  auto o = options();
  o.fc_publish = false;
  RtmpClient client(o);
  client.start();
  EXPECT_EQ(pump(client, server), "");
  EXPECT_TRUE(client.published());
}

TEST(RtmpClient, PublishRefusalIsAnError) {
  Server server(false);
  RtmpClient client(options());
  client.start();
  const std::string err = pump(client, server);
  EXPECT_EQ(err, "publish refused: NetStream.Publish.BadName already publishing");
  EXPECT_EQ(client.state(), RtmpClient::State::kFailed);
  EXPECT_FALSE(client.published());
  EXPECT_EQ(client.feed(std::vector<uint8_t>{1, 2, 3}), err);  // stays failed
}

// A server driven by hand: S0+S1+S2 then replies of our choosing.
class ScriptedServer {
 public:
  // Runs the handshake with `client`; returns the client's bytes after C2.
  std::vector<uint8_t> handshake(RtmpClient& client) {
    client.start();
    auto c0c1 = std::move(client.output());
    client.output().clear();
    auto r = hs.feed(c0c1);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(client.feed(r.output), "");
    auto after = std::move(client.output());
    client.output().clear();
    auto r2 = hs.feed(after);
    EXPECT_TRUE(hs.done());
    std::vector<Message> msgs;
    EXPECT_EQ(reader.feed(std::span(after).subspan(r2.consumed), msgs), "");
    for (auto& m : msgs) got.push_back(std::move(m));
    return after;
  }
  void reply(RtmpClient& client, const Message& m, std::string expect_error = "") {
    std::vector<uint8_t> bytes;
    writer.write(m, bytes);
    EXPECT_EQ(client.feed(bytes), expect_error);
    std::vector<Message> msgs;
    EXPECT_EQ(reader.feed(client.output(), msgs), "");
    client.output().clear();
    for (auto& x : msgs) got.push_back(std::move(x));
  }
  std::vector<std::string> command_names() const {
    std::vector<std::string> names;
    for (const auto& m : got) {
      Command c;
      if (m.type() == MessageType::kCommandAmf0 && parse_command(m, c).empty())
        names.push_back(c.name);
    }
    return names;
  }
  ServerHandshake hs;
  ChunkReader reader;
  ChunkWriter writer;
  std::vector<Message> got;
};

TEST(RtmpClient, SendsChunkSizeThenConnect) {
  ScriptedServer s;
  RtmpClient client(options());
  s.handshake(client);
  ASSERT_GE(s.got.size(), 2u);
  EXPECT_EQ(s.got[0].type(), MessageType::kSetChunkSize);
  EXPECT_EQ(read_be(s.got[0].payload.data(), 4), 4096u);
  Command c;
  ASSERT_EQ(parse_command(s.got[1], c), "");
  EXPECT_EQ(c.name, "connect");
  EXPECT_EQ(c.command_object.get_string("app"), "live");
  EXPECT_EQ(c.command_object.get_string("tcUrl"), "rtmp://127.0.0.1:1935/live");
  EXPECT_EQ(client.state(), RtmpClient::State::kConnecting);
}

TEST(RtmpClient, ConnectRefusedIsAnError) {
  ScriptedServer s;
  RtmpClient client(options());
  s.handshake(client);
  s.reply(client, make_error(1, "NetConnection.Connect.Rejected", "no such app"),
          "connect refused: NetConnection.Connect.Rejected no such app");
}

TEST(RtmpClient, CreateStreamErrorAndBadStreamId) {
  {
    ScriptedServer s;
    RtmpClient client(options());
    s.handshake(client);
    s.reply(client, make_connect_result(1, 0));
    EXPECT_EQ(s.command_names(),
              (std::vector<std::string>{"connect", "releaseStream", "FCPublish", "createStream"}));
    s.reply(client, make_error(4, "NetConnection.Call.Failed", "nope"),
            "createStream refused: NetConnection.Call.Failed nope");
  }
  {
    ScriptedServer s;
    RtmpClient client(options());
    s.handshake(client);
    s.reply(client, make_connect_result(1, 0));
    s.reply(client, make_result(4, Value::String("one")),
            "createStream: no valid stream id in the reply");
  }
}

TEST(RtmpClient, AnswersPingsAndAcknowledgesItsWindow) {
  ScriptedServer s;
  RtmpClient client(options());
  s.handshake(client);
  s.reply(client, make_window_ack_size(100));
  s.reply(client, make_user_control(UserControlEvent::kPingRequest, 77));
  ASSERT_FALSE(s.got.empty());
  EXPECT_EQ(s.got.back().type(), MessageType::kUserControl);
  const size_t before = s.got.size();
  s.reply(client, make_connect_result(1, 0));  // > 100 bytes: an acknowledgement is due
  bool acked = false;
  for (size_t i = before; i < s.got.size(); ++i)
    acked = acked || s.got[i].type() == MessageType::kAcknowledgement;
  EXPECT_TRUE(acked);
}

TEST(RtmpClient, PublishesOnTheStreamItWasGivenAndIgnoresOtherStatus) {
  ScriptedServer s;
  RtmpClient client(options());
  s.handshake(client);
  s.reply(client, make_connect_result(1, 0));
  s.reply(client, make_result(2, Value::Null()));  // releaseStream's answer
  s.reply(client, make_result(4, Value::Number(5)));
  ASSERT_FALSE(s.got.empty());
  Command publish;
  ASSERT_EQ(parse_command(s.got.back(), publish), "");
  EXPECT_EQ(publish.name, "publish");
  EXPECT_EQ(s.got.back().header.stream_id, 5u);
  ASSERT_EQ(publish.args.size(), 2u);
  EXPECT_EQ(publish.args[0].string, "x?token=t");
  EXPECT_EQ(publish.args[1].string, "live");
  s.reply(client, make_on_status(5, "status", "NetStream.Publish.Reset", "hm"));
  EXPECT_FALSE(client.published());
  s.reply(client, make_on_status(5, "status", "NetStream.Publish.Start", "go"));
  EXPECT_TRUE(client.published());
  EXPECT_EQ(client.stream_id(), 5u);
  // An error status later (the target dropped the publish) ends it too.
  s.reply(client, make_on_status(5, "error", "NetStream.Publish.Denied", "bye"),
          "publish refused: NetStream.Publish.Denied bye");
}

TEST(RtmpClient, GarbageHandshakeIsAnError) {
  RtmpClient client(options());
  client.start();
  const std::vector<uint8_t> http = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  EXPECT_NE(client.feed(http).find("handshake"), std::string::npos);
}

}  // namespace
}  // namespace rtmp::protocol
