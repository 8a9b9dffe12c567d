#include "ingest/protocol/command.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"

namespace rtmp::protocol {
namespace {

using amf0::Type;
using amf0::Value;

// Payloads captured from ffmpeg 5.1 (tests/fuzz/capture_client_bytes.py):
// publish session (FMLE flashVer) and play session (LNX flashVer).
const uint8_t kFfmpegPublishConnect[] = {
    0x02, 0x00, 0x07, 0x63, 0x6F, 0x6E, 0x6E, 0x65, 0x63, 0x74, 0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70, 0x70, 0x02, 0x00, 0x04, 0x6C, 0x69, 0x76, 0x65,
    0x00, 0x04, 0x74, 0x79, 0x70, 0x65, 0x02, 0x00, 0x0A, 0x6E, 0x6F, 0x6E, 0x70, 0x72, 0x69, 0x76,
    0x61, 0x74, 0x65, 0x00, 0x08, 0x66, 0x6C, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x24,
    0x46, 0x4D, 0x4C, 0x45, 0x2F, 0x33, 0x2E, 0x30, 0x20, 0x28, 0x63, 0x6F, 0x6D, 0x70, 0x61, 0x74,
    0x69, 0x62, 0x6C, 0x65, 0x3B, 0x20, 0x4C, 0x61, 0x76, 0x66, 0x35, 0x39, 0x2E, 0x32, 0x37, 0x2E,
    0x31, 0x30, 0x30, 0x29, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6C, 0x02, 0x00, 0x1B, 0x72, 0x74,
    0x6D, 0x70, 0x3A, 0x2F, 0x2F, 0x31, 0x32, 0x37, 0x2E, 0x30, 0x2E, 0x30, 0x2E, 0x31, 0x3A, 0x31,
    0x39, 0x33, 0x36, 0x31, 0x2F, 0x6C, 0x69, 0x76, 0x65, 0x00, 0x00, 0x09,
};
const uint8_t kFfmpegPublish[] = {
    0x02, 0x00, 0x07, 0x70, 0x75, 0x62, 0x6C, 0x69, 0x73, 0x68, 0x00, 0x40, 0x14, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x01, 0x78, 0x02, 0x00, 0x04, 0x6C, 0x69, 0x76, 0x65,
};
const uint8_t kFfmpegCreateStream[] = {
    0x02, 0x00, 0x0C, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x53, 0x74, 0x72, 0x65,
    0x61, 0x6D, 0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
};
const uint8_t kFfmpegPlayConnect[] = {
    0x02, 0x00, 0x07, 0x63, 0x6F, 0x6E, 0x6E, 0x65, 0x63, 0x74, 0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70, 0x70, 0x02, 0x00, 0x04, 0x6C, 0x69, 0x76, 0x65,
    0x00, 0x08, 0x66, 0x6C, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x0D, 0x4C, 0x4E, 0x58,
    0x20, 0x39, 0x2C, 0x30, 0x2C, 0x31, 0x32, 0x34, 0x2C, 0x32, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72,
    0x6C, 0x02, 0x00, 0x1B, 0x72, 0x74, 0x6D, 0x70, 0x3A, 0x2F, 0x2F, 0x31, 0x32, 0x37, 0x2E, 0x30,
    0x2E, 0x30, 0x2E, 0x31, 0x3A, 0x31, 0x39, 0x33, 0x36, 0x32, 0x2F, 0x6C, 0x69, 0x76, 0x65, 0x00,
    0x04, 0x66, 0x70, 0x61, 0x64, 0x01, 0x00, 0x00, 0x0C, 0x63, 0x61, 0x70, 0x61, 0x62, 0x69, 0x6C,
    0x69, 0x74, 0x69, 0x65, 0x73, 0x00, 0x40, 0x2E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B,
    0x61, 0x75, 0x64, 0x69, 0x6F, 0x43, 0x6F, 0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0xAF, 0xCE, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, 0x76, 0x69, 0x64, 0x65, 0x6F, 0x43, 0x6F, 0x64, 0x65, 0x63,
    0x73, 0x00, 0x40, 0x6F, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x76, 0x69, 0x64, 0x65,
    0x6F, 0x46, 0x75, 0x6E, 0x63, 0x74, 0x69, 0x6F, 0x6E, 0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x09,
};
const uint8_t kFfmpegPlay[] = {
    0x02, 0x00, 0x04, 0x70, 0x6C, 0x61, 0x79, 0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x05, 0x02, 0x00, 0x01, 0x78, 0x00, 0xC0, 0x9F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
};

Message command_message(const uint8_t* p, size_t n, uint8_t type = 20, uint32_t stream = 0) {
  Message m;
  m.header = {3, 0, static_cast<uint32_t>(n), type, stream};
  m.payload.assign(p, p + n);
  return m;
}

template <size_t N>
Message captured(const uint8_t (&a)[N], uint8_t type = 20, uint32_t stream = 0) {
  return command_message(a, N, type, stream);
}

TEST(ParseCommand, FfmpegPublishConnect) {
  Command c;
  ASSERT_EQ(parse_command(captured(kFfmpegPublishConnect), c), "");
  EXPECT_EQ(c.name, "connect");
  EXPECT_EQ(c.transaction_id, 1);
  ASSERT_TRUE(c.command_object.is_object());
  EXPECT_EQ(c.command_object.get_string("app"), "live");
  EXPECT_EQ(c.command_object.get_string("type"), "nonprivate");
  EXPECT_EQ(c.command_object.get_string("tcUrl"), "rtmp://127.0.0.1:19361/live");
  EXPECT_EQ(c.command_object.get_string("flashVer")->rfind("FMLE/3.0", 0), 0u);
  EXPECT_TRUE(c.args.empty());
}

TEST(ParseCommand, FfmpegPlayConnect) {
  Command c;
  ASSERT_EQ(parse_command(captured(kFfmpegPlayConnect), c), "");
  EXPECT_EQ(c.name, "connect");
  EXPECT_EQ(c.command_object.get_string("flashVer"), "LNX 9,0,124,2");
  EXPECT_EQ(c.command_object.get_number("capabilities"), 15);
  const Value* fpad = c.command_object.get("fpad");
  ASSERT_NE(fpad, nullptr);
  EXPECT_EQ(*fpad, Value::Boolean(false));
}

TEST(ParseCommand, FfmpegCreateStreamPublishPlay) {
  Command c;
  ASSERT_EQ(parse_command(captured(kFfmpegCreateStream), c), "");
  EXPECT_EQ(c.name, "createStream");
  EXPECT_EQ(c.transaction_id, 4);
  EXPECT_EQ(c.command_object.type, Type::kNull);

  ASSERT_EQ(parse_command(captured(kFfmpegPublish, 20, 1), c), "");
  EXPECT_EQ(c.name, "publish");
  EXPECT_EQ(c.transaction_id, 5);
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0].string, "x");
  EXPECT_EQ(c.args[1].string, "live");

  ASSERT_EQ(parse_command(captured(kFfmpegPlay, 20, 1), c), "");
  EXPECT_EQ(c.name, "play");
  ASSERT_GE(c.args.size(), 2u);
  EXPECT_EQ(c.args[0].string, "x");
  EXPECT_EQ(c.args[1], Value::Number(-2000));
}

TEST(ParseCommand, ThroughTheChunkReader) {
  // The captured connect as ffmpeg chunks it: 140 bytes at chunk size 128.
  Message m = captured(kFfmpegPublishConnect);
  std::vector<uint8_t> bytes;
  write_chunks_fmt0(128, m.header, m.payload, bytes);
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(r.feed(bytes, out), "");
  ASSERT_EQ(out.size(), 1u);
  Command c;
  ASSERT_EQ(parse_command(out[0], c), "");
  EXPECT_EQ(c.name, "connect");
}

TEST(ParseCommand, Amf3CommandWithLeadingZero) {
  std::vector<uint8_t> p{0x00};
  p.insert(p.end(), std::begin(kFfmpegPublish), std::end(kFfmpegPublish));
  Command c;
  ASSERT_EQ(parse_command(command_message(p.data(), p.size(), 17), c), "");
  EXPECT_EQ(c.name, "publish");
  EXPECT_EQ(c.args.size(), 2u);
}

TEST(ParseCommand, NameOnly) {
  const Value v[] = {Value::String("FCUnpublish")};
  Command c;
  c.transaction_id = 9;
  ASSERT_EQ(parse_command(make_command(3, 0, v), c), "");
  EXPECT_EQ(c.name, "FCUnpublish");
  EXPECT_EQ(c.transaction_id, 0);
  EXPECT_EQ(c.command_object.type, Type::kNull);
}

TEST(ParseCommand, Errors) {
  Command c;
  Message empty = command_message(nullptr, 0);
  EXPECT_NE(parse_command(empty, c).find("without a name"), std::string::npos);
  const Value num[] = {Value::Number(1)};
  EXPECT_NE(parse_command(make_command(3, 0, num), c).find("without a name"), std::string::npos);
  const Value bad_tid[] = {Value::String("connect"), Value::String("1")};
  EXPECT_NE(parse_command(make_command(3, 0, bad_tid), c).find("transaction id"),
            std::string::npos);
  // Truncated: the captured connect minus its last byte.
  Message cut = command_message(kFfmpegPublishConnect, sizeof kFfmpegPublishConnect - 1);
  EXPECT_NE(parse_command(cut, c).find("AMF0"), std::string::npos);
  Message audio = captured(kFfmpegPublish, 8);
  EXPECT_NE(parse_command(audio, c).find("not a command"), std::string::npos);
  amf0::DecodeLimits tight;
  tight.max_elements = 2;
  EXPECT_NE(parse_command(captured(kFfmpegPublishConnect), c, tight).find("properties"),
            std::string::npos);
}

Command parsed(const Message& m) {
  Command c;
  EXPECT_EQ(parse_command(m, c), "");
  return c;
}

TEST(Builders, ConnectResult) {
  Message m = make_connect_result(1, 3);
  EXPECT_EQ(m.header.csid, kCsidCommand);
  EXPECT_EQ(m.header.stream_id, 0u);
  EXPECT_EQ(m.header.type_id, 20);
  EXPECT_EQ(m.header.length, m.payload.size());
  Command c = parsed(m);
  EXPECT_EQ(c.name, "_result");
  EXPECT_EQ(c.transaction_id, 1);
  EXPECT_EQ(c.command_object.get_string("fmsVer"), "FMS/3,0,1,123");
  EXPECT_EQ(c.command_object.get_number("capabilities"), 31);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0].get_string("level"), "status");
  EXPECT_EQ(c.args[0].get_string("code"), "NetConnection.Connect.Success");
  EXPECT_EQ(c.args[0].get_string("description"), "Connection succeeded.");
  EXPECT_EQ(c.args[0].get_number("objectEncoding"), 3);
}

TEST(Builders, ResultAndError) {
  Command c = parsed(make_result(4, Value::Number(1)));
  EXPECT_EQ(c.name, "_result");
  EXPECT_EQ(c.transaction_id, 4);
  EXPECT_EQ(c.command_object.type, Type::kNull);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0], Value::Number(1));

  Message e = make_error(7, "NetConnection.Call.Failed", "unknown command");
  EXPECT_EQ(e.header.csid, kCsidCommand);
  c = parsed(e);
  EXPECT_EQ(c.name, "_error");
  EXPECT_EQ(c.transaction_id, 7);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0].get_string("level"), "error");
  EXPECT_EQ(c.args[0].get_string("code"), "NetConnection.Call.Failed");
  EXPECT_EQ(c.args[0].get_string("description"), "unknown command");
}

TEST(Builders, OnStatus) {
  Message m = make_on_status(1, "status", "NetStream.Publish.Start", "live/x is now published.");
  EXPECT_EQ(m.header.stream_id, 1u);
  EXPECT_EQ(m.header.csid, kCsidData);
  Command c = parsed(m);
  EXPECT_EQ(c.name, "onStatus");
  EXPECT_EQ(c.transaction_id, 0);
  ASSERT_EQ(c.args.size(), 1u);
  const Value& info = c.args[0];
  EXPECT_EQ(info.get_string("level"), "status");
  EXPECT_EQ(info.get_string("code"), "NetStream.Publish.Start");
  EXPECT_EQ(info.get_string("description"), "live/x is now published.");
  EXPECT_EQ(info.get("details"), nullptr);
  EXPECT_NE(info.get("clientid"), nullptr);

  c = parsed(make_on_status(2, "error", "NetStream.Play.StreamNotFound", "not found", "live/y"));
  EXPECT_EQ(c.args[0].get_string("level"), "error");
  EXPECT_EQ(c.args[0].get_string("details"), "live/y");
}

TEST(Builders, SampleAccessAndMakeCommand) {
  Message m = make_sample_access(1);
  EXPECT_EQ(m.type(), MessageType::kDataAmf0);
  EXPECT_EQ(m.header.stream_id, 1u);
  std::vector<Value> values;
  ASSERT_EQ(amf0::decode_all(m.payload, values), "");
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].string, "|RtmpSampleAccess");
  EXPECT_EQ(values[1], Value::Boolean(true));
  EXPECT_EQ(values[2], Value::Boolean(true));

  const Value v[] = {Value::String("onBWDone"), Value::Number(0), Value::Null()};
  Message cmd = make_command(kCsidCommand, 0, v);
  EXPECT_EQ(cmd.type(), MessageType::kCommandAmf0);
  EXPECT_EQ(parsed(cmd).name, "onBWDone");
}

}  // namespace
}  // namespace rtmp::protocol
