#include "ingest/server/rtmp_connection.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ingest/protocol/amf0.hpp"
#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/handshake.hpp"
#include "ingest/protocol/message.hpp"

namespace rtmp::server {
namespace {

using amf0::Value;
using protocol::Command;
using protocol::Message;
using protocol::MessageType;
using protocol::UserControlEvent;

// The delegate: records every call in order; optionally answers publish/play
// at once and ends the publish on the first stream end (as a session would).
class Recorder : public RtmpDelegate {
 public:
  void on_handshake_complete() override { log.push_back("handshake"); }
  void on_connect(const std::string& app, const std::string& tc_url) override {
    log.push_back("connect " + app + " " + tc_url);
  }
  void on_publish(uint32_t stream_id, const std::string& name) override {
    log.push_back("publish " + std::to_string(stream_id) + " " + name);
    if (auto_answer) conn->accept_publish(stream_id, name);
  }
  void on_play(uint32_t stream_id, const std::string& name) override {
    log.push_back("play " + std::to_string(stream_id) + " " + name);
    if (auto_answer) conn->accept_play(stream_id, name);
  }
  void on_stream_end(uint32_t stream_id) override {
    log.push_back("end " + std::to_string(stream_id));
    if (auto_answer && conn->publishing_stream() == stream_id) conn->end_publish(true);
  }
  void on_media(Message&& m) override {
    log.push_back("media " + std::to_string(m.header.type_id) + " @" +
                  std::to_string(m.header.timestamp));
    media.push_back(std::move(m));
  }

  RtmpConnection* conn = nullptr;
  bool auto_answer = false;
  std::vector<std::string> log;
  std::vector<Message> media;
};

// The client side, built from the protocol library: handshake, a chunk writer
// for what it sends and a chunk reader for what the server sends.
class Client {
 public:
  std::vector<uint8_t> bytes(const Message& m) {
    std::vector<uint8_t> out;
    writer.write(m, out);
    return out;
  }
  // Decodes (and clears) everything the server has sent since the last call.
  std::vector<Message> receive(RtmpConnection& conn) {
    std::vector<Message> msgs;
    const std::string err = reader.feed(conn.output(), msgs);
    EXPECT_EQ(err, "");
    conn.output().clear();
    return msgs;
  }

  protocol::ClientHandshake handshake;
  protocol::ChunkWriter writer;
  protocol::ChunkReader reader;
};

Message command(uint32_t stream_id, const std::string& name, double txn, Value object,
                std::vector<Value> args = {}) {
  std::vector<Value> values = {Value::String(name), Value::Number(txn), std::move(object)};
  for (auto& a : args) values.push_back(std::move(a));
  // Stream commands on csid 8 as ffmpeg sends them, connection commands on 3.
  return protocol::make_command(stream_id == 0 ? 3 : 8, stream_id, values);
}

Message media_message(MessageType type, uint32_t stream_id, uint32_t timestamp,
                      std::vector<uint8_t> payload) {
  Message m;
  m.header.csid = type == MessageType::kAudio ? 4 : 6;
  m.header.stream_id = stream_id;
  m.header.timestamp = timestamp;
  m.header.type_id = static_cast<uint8_t>(type);
  m.header.length = static_cast<uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

Message data_message(uint32_t stream_id, const std::vector<Value>& values) {
  Message m = protocol::make_command(4, stream_id, values);
  m.header.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  return m;
}

Message control(MessageType type, std::vector<uint8_t> payload) {
  Message m;
  m.header.csid = 2;
  m.header.type_id = static_cast<uint8_t>(type);
  m.header.length = static_cast<uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

std::vector<uint8_t> be32(uint32_t v) {
  std::vector<uint8_t> out;
  protocol::append_be(out, v, 4);
  return out;
}

Command parse(const Message& m) {
  Command c;
  EXPECT_EQ(protocol::parse_command(m, c), "");
  return c;
}

std::string info_code(const Command& c) {
  if (c.args.empty()) return "";
  return c.args.back().get_string("code").value_or("");
}

uint32_t be_at(const Message& m, size_t offset, int n) {
  if (m.payload.size() < offset + static_cast<size_t>(n)) return 0xDEADBEEF;
  return protocol::read_be(m.payload.data() + offset, n);
}

void expect_user_control(const Message& m, UserControlEvent event, uint32_t value) {
  ASSERT_EQ(m.type(), MessageType::kUserControl);
  ASSERT_EQ(m.payload.size(), 6u);
  EXPECT_EQ(be_at(m, 0, 2), static_cast<uint16_t>(event));
  EXPECT_EQ(be_at(m, 2, 4), value);
}

void expect_on_status(const Message& m, uint32_t stream_id, const std::string& level,
                      const std::string& code) {
  ASSERT_EQ(m.type(), MessageType::kCommandAmf0);
  EXPECT_EQ(m.header.stream_id, stream_id);
  const Command c = parse(m);
  EXPECT_EQ(c.name, "onStatus");
  ASSERT_FALSE(c.args.empty());
  EXPECT_EQ(c.args[0].get_string("level").value_or(""), level);
  EXPECT_EQ(c.args[0].get_string("code").value_or(""), code);
}

void expect_result(const Message& m, double txn) {
  ASSERT_EQ(m.type(), MessageType::kCommandAmf0);
  const Command c = parse(m);
  EXPECT_EQ(c.name, "_result");
  EXPECT_EQ(c.transaction_id, txn);
}

class RtmpConnectionTest : public ::testing::Test {
 protected:
  explicit RtmpConnectionTest(ConnectionOptions options = {}) : conn(options, rec) {
    rec.conn = &conn;
  }

  std::string send(const Message& m) { return conn.feed(client.bytes(m)); }

  void handshake() {
    EXPECT_EQ(conn.feed(client.handshake.start()), "");
    EXPECT_FALSE(conn.handshake_done());
    EXPECT_EQ(conn.output().size(), 1 + 2 * protocol::ServerHandshake::kC1Size);
    auto r = client.handshake.feed(conn.output());
    ASSERT_EQ(r.error, "");
    ASSERT_TRUE(client.handshake.done());
    conn.output().clear();
    EXPECT_TRUE(rec.log.empty());
    EXPECT_EQ(conn.feed(r.output), "");
    EXPECT_TRUE(conn.handshake_done());
    EXPECT_EQ(rec.log, std::vector<std::string>{"handshake"});
    EXPECT_TRUE(conn.output().empty());
  }

  void connect() {
    handshake();
    ASSERT_EQ(send(command(0, "connect", 1,
                           Value::Object({{"app", Value::String("live")},
                                          {"tcUrl", Value::String("rtmp://host/live")},
                                          {"objectEncoding", Value::Number(0)}}))),
              "");
    client.receive(conn);
  }

  // connect + createStream; returns the stream id the server gave.
  uint32_t create_stream() {
    connect();
    EXPECT_EQ(send(command(0, "createStream", 4, Value::Null())), "");
    auto out = client.receive(conn);
    EXPECT_EQ(out.size(), 1u);
    if (out.size() != 1) return 0;
    const Command c = parse(out[0]);
    EXPECT_EQ(c.name, "_result");
    if (c.args.empty()) return 0;
    return static_cast<uint32_t>(c.args[0].number);
  }

  Recorder rec;
  RtmpConnection conn;
  Client client;
};

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
  // Not on the publishing stream: not media of this publish.
  ASSERT_EQ(send(media_message(MessageType::kVideo, 0, 50, video)), "");

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

  // FCUnpublish ends the publish (and is answered), deleteStream names it too.
  ASSERT_EQ(send(command(0, "FCUnpublish", 6, Value::Null(), {Value::String("test")})), "");
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

TEST_F(RtmpConnectionTest, EndPublishWithoutNotifySendsNothing) {
  const uint32_t id = create_stream();
  ASSERT_EQ(send(command(id, "publish", 5, Value::Null(), {Value::String("test")})), "");
  conn.accept_publish(id, "test");
  client.receive(conn);
  conn.end_publish(false);
  EXPECT_EQ(conn.publishing_stream(), 0u);
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, PlaySessionCommandFlow) {
  const uint32_t id = create_stream();
  ASSERT_EQ(id, 1u);
  ASSERT_EQ(send(command(id, "play", 5, Value::Null(), {Value::String("test"), Value::Number(-2000)})),
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

TEST_F(RtmpConnectionTest, PingRequestIsAnswered) {
  handshake();
  ASSERT_EQ(send(protocol::make_user_control(UserControlEvent::kPingRequest, 123456)), "");
  auto out = client.receive(conn);
  ASSERT_EQ(out.size(), 1u);
  expect_user_control(out[0], UserControlEvent::kPingResponse, 123456);
  // Other user control events need no answer.
  ASSERT_EQ(send(protocol::make_user_control(UserControlEvent::kSetBufferLength, 1)), "");
  EXPECT_TRUE(client.receive(conn).empty());
}

TEST_F(RtmpConnectionTest, AcknowledgesAfterThePeersWindow) {
  connect();
  ASSERT_EQ(send(protocol::make_window_ack_size(1000)), "");
  EXPECT_TRUE(client.receive(conn).empty());
  const uint64_t start = conn.bytes_received();
  ASSERT_LT(start, 1000u);
  // Unanswered traffic (commands with transaction id 0) until past 1000 bytes.
  std::vector<Message> out;
  while (conn.bytes_received() < 1000) {
    const uint64_t before = conn.bytes_received();
    ASSERT_EQ(send(command(0, "noSuchCommand", 0, Value::Null(), {Value::String(std::string(90, 'x'))})),
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

TEST_F(RtmpConnectionTest, CommandBeforeConnectIsAnError) {
  handshake();
  EXPECT_NE(send(command(0, "createStream", 2, Value::Null())), "");
}

TEST_F(RtmpConnectionTest, MalformedCommandIsAnError) {
  handshake();
  Message m = protocol::make_command(3, 0, std::vector<Value>{Value::Number(1)});
  EXPECT_NE(send(m), "");
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

// One FLV tag of an aggregate: header(11) body prev_tag_size(4).
void append_tag(std::vector<uint8_t>& out, MessageType type, uint32_t ts,
                const std::vector<uint8_t>& body) {
  out.push_back(static_cast<uint8_t>(type));
  protocol::append_be(out, static_cast<uint32_t>(body.size()), 3);
  protocol::append_be(out, ts & 0xFFFFFF, 3);
  out.push_back(static_cast<uint8_t>(ts >> 24));
  protocol::append_be(out, 0, 3);
  out.insert(out.end(), body.begin(), body.end());
  protocol::append_be(out, static_cast<uint32_t>(11 + body.size()), 4);
}

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

ConnectionOptions small_options() {
  ConnectionOptions o;
  o.limits.max_message_size = 1000;
  o.out_chunk_size = 128;
  o.window_ack_size = 1234567;
  return o;
}

class SmallLimitsTest : public RtmpConnectionTest {
 protected:
  SmallLimitsTest() : RtmpConnectionTest(small_options()) {}
};

TEST_F(SmallLimitsTest, MessageOverTheConfiguredLimitIsAnError) {
  connect();
  EXPECT_EQ(send(media_message(MessageType::kVideo, 1, 0, std::vector<uint8_t>(1000, 1))), "");
  EXPECT_NE(send(media_message(MessageType::kVideo, 1, 0, std::vector<uint8_t>(1001, 1))), "");
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

TEST_F(RtmpConnectionTest, MalformedHandshakeIsAnError) {
  std::vector<uint8_t> c0c1(1 + protocol::ServerHandshake::kC1Size, 0);
  c0c1[0] = 0x48;  // 'H': an HTTP client
  EXPECT_NE(conn.feed(c0c1), "");
}

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
  add(protocol::make_window_ack_size(3000));
  add(command(0, "connect", 1,
              Value::Object({{"app", Value::String("live")},
                             {"tcUrl", Value::String("rtmp://h/live")}})));
  add(command(0, "releaseStream", 2, Value::Null(), {Value::String("k")}));
  add(command(0, "FCPublish", 3, Value::Null(), {Value::String("k")}));
  add(command(0, "createStream", 4, Value::Null()));
  add(protocol::make_user_control(UserControlEvent::kPingRequest, 77));
  add(command(1, "publish", 5, Value::Null(), {Value::String("k?token=x"), Value::String("live")}));
  add(data_message(1, {Value::String("@setDataFrame"), Value::String("onMetaData"),
                       Value::EcmaArray({{"duration", Value::Number(0)}})}));
  add(protocol::make_set_chunk_size(1000));
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
}  // namespace rtmp::server
