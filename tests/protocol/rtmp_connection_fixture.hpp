#pragma once
// What the RtmpConnection tests share: a delegate that records its calls, a
// client built from the protocol library, message builders and a fixture that
// takes a connection through handshake, connect and createStream.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/protocol/amf0.hpp"
#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/handshake.hpp"
#include "ingest/protocol/message.hpp"
#include "ingest/protocol/rtmp_connection.hpp"

namespace rtmp::protocol::test {

using amf0::Value;

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
  void on_refused(const std::string& command, const std::string& why) override {
    refusals.push_back(command + ": " + why);
  }

  RtmpConnection* conn = nullptr;
  bool auto_answer = false;
  std::vector<std::string> log;
  std::vector<Message> media;
  std::vector<std::string> refusals;  // on_refused, apart from `log`
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

  ClientHandshake handshake;
  ChunkWriter writer;
  ChunkReader reader;
};

inline Message command(uint32_t stream_id, const std::string& name, double txn, Value object,
                       std::vector<Value> args = {}) {
  std::vector<Value> values = {Value::String(name), Value::Number(txn), std::move(object)};
  for (auto& a : args) values.push_back(std::move(a));
  // Stream commands on csid 8 as ffmpeg sends them, connection commands on 3.
  return make_command(stream_id == 0 ? 3 : 8, stream_id, values);
}

inline Message media_message(MessageType type, uint32_t stream_id, uint32_t timestamp,
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

inline Message data_message(uint32_t stream_id, const std::vector<Value>& values) {
  Message m = make_command(4, stream_id, values);
  m.header.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  return m;
}

inline Message control(MessageType type, std::vector<uint8_t> payload) {
  Message m;
  m.header.csid = 2;
  m.header.type_id = static_cast<uint8_t>(type);
  m.header.length = static_cast<uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

inline std::vector<uint8_t> be32(uint32_t v) {
  std::vector<uint8_t> out;
  append_be(out, v, 4);
  return out;
}

inline Command parse(const Message& m) {
  Command c;
  EXPECT_EQ(parse_command(m, c), "");
  return c;
}

inline std::string info_code(const Command& c) {
  if (c.args.empty()) return "";
  return c.args.back().get_string("code").value_or("");
}

inline uint32_t be_at(const Message& m, size_t offset, int n) {
  if (m.payload.size() < offset + static_cast<size_t>(n)) return 0xDEADBEEF;
  return read_be(m.payload.data() + offset, n);
}

inline void expect_user_control(const Message& m, UserControlEvent event, uint32_t value) {
  ASSERT_EQ(m.type(), MessageType::kUserControl);
  ASSERT_EQ(m.payload.size(), 6u);
  EXPECT_EQ(be_at(m, 0, 2), static_cast<uint16_t>(event));
  EXPECT_EQ(be_at(m, 2, 4), value);
}

inline void expect_on_status(const Message& m, uint32_t stream_id, const std::string& level,
                             const std::string& code) {
  ASSERT_EQ(m.type(), MessageType::kCommandAmf0);
  EXPECT_EQ(m.header.stream_id, stream_id);
  const Command c = parse(m);
  EXPECT_EQ(c.name, "onStatus");
  ASSERT_FALSE(c.args.empty());
  EXPECT_EQ(c.args[0].get_string("level").value_or(""), level);
  EXPECT_EQ(c.args[0].get_string("code").value_or(""), code);
}

inline void expect_result(const Message& m, double txn) {
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
    EXPECT_EQ(conn.output().size(), 1 + 2 * ServerHandshake::kC1Size);
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

inline ConnectionOptions small_options() {
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

}  // namespace rtmp::protocol::test
