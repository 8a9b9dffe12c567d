// libFuzzer target: a whole server-side RTMP connection (handshake, chunk
// stream, control messages, aggregates, commands) fed arbitrary bytes in
// arbitrary splits, with a delegate that answers as a session would. Bytes go
// in; the bytes the server sends and the delegate's events come out, and both
// are checked:
// - what the server sends is S0+S1+S2 then a chunk stream that a fresh
//   ChunkReader reads without error, each command in it parsing back;
// - events come in protocol order (handshake, then connect, then the rest),
//   media only on the publishing stream, each message's length its payload's;
// - once feed() reports an error, the connection is not fed again.
// The first byte picks the split size, the second how the delegate answers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "ingest/media/codec_info.hpp"
#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/handshake.hpp"
#include "ingest/protocol/rtmp_connection.hpp"

using namespace rtmp::protocol;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

class Delegate : public RtmpDelegate {
 public:
  Delegate(uint8_t policy) : policy_(policy) {}

  void on_handshake_complete() override {
    check(!handshaken);
    handshaken = true;
  }
  void on_connect(const std::string& app, const std::string&) override {
    check(handshaken && !connected);
    check(app.find('?') == std::string::npos);
    connected = true;
  }
  void on_publish(uint32_t stream_id, const std::string& name) override {
    check(connected && stream_id != 0 && conn->publishing_stream() == 0);
    if (policy_ & 1) {
      conn->reject_publish(stream_id, "NetStream.Publish.Unauthorized", "no");
    } else {
      conn->accept_publish(stream_id, name);
      check(conn->publishing_stream() == stream_id);
    }
  }
  void on_play(uint32_t stream_id, const std::string& name) override {
    check(connected && stream_id != 0);
    if (policy_ & 2) {
      conn->reject_play(stream_id, "NetStream.Play.StreamNotFound", "no");
    } else {
      conn->accept_play(stream_id, name);
      if (policy_ & 4) conn->notify_unpublished(stream_id, name);
    }
  }
  void on_stream_end(uint32_t stream_id) override {
    check(connected);
    if (stream_id == conn->publishing_stream()) conn->end_publish(policy_ & 8);
  }
  void on_media(Message&& m) override {
    check(conn->publishing_stream() != 0 && m.header.stream_id == conn->publishing_stream());
    check(m.header.length == m.payload.size());
    if (m.type() == MessageType::kVideo) (void)rtmp::media::inspect_video(m.payload);
    if (m.type() == MessageType::kAudio) (void)rtmp::media::inspect_audio(m.payload);
    check(m.type() == MessageType::kAudio || m.type() == MessageType::kVideo ||
          m.type() == MessageType::kDataAmf0);
  }

  RtmpConnection* conn = nullptr;
  bool handshaken = false;
  bool connected = false;

 private:
  uint8_t policy_;
};

// What the server sent: the handshake reply, then well-formed chunks.
void check_output(const std::vector<uint8_t>& out, bool handshaken) {
  constexpr size_t kReply = 1 + 2 * ServerHandshake::kC1Size;
  if (!handshaken) {
    check(out.empty() || out.size() == kReply);
    return;
  }
  check(out.size() >= kReply);
  ChunkReaderLimits limits;
  limits.max_message_size = 1 << 24;
  ChunkReader reader(limits);
  std::vector<Message> messages;
  check(reader.feed(std::span(out).subspan(kReply), messages).empty());
  check(reader.bytes_received() == out.size() - kReply);
  for (const Message& m : messages) {
    if (m.type() != MessageType::kCommandAmf0) continue;
    Command c;
    check(parse_command(m, c).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t step = 1 + data[0] % 64 * 53;
  Delegate delegate(data[1]);
  ConnectionOptions options;
  options.out_chunk_size = data[1] & 0x10 ? 128 : 4096;
  options.limits.max_message_size = 1 << 20;  // keeps each run fast and small
  options.limits.max_chunk_streams = 16;
  RtmpConnection conn(options, delegate);
  delegate.conn = &conn;

  std::span<const uint8_t> in(data + 2, size - 2);
  std::vector<uint8_t> sent;
  for (size_t pos = 0; pos < in.size(); pos += step) {
    const std::string err = conn.feed(in.subspan(pos, std::min(step, in.size() - pos)));
    sent.insert(sent.end(), conn.output().begin(), conn.output().end());
    conn.output().clear();
    if (!err.empty()) break;
  }
  check(delegate.handshaken == conn.handshake_done());
  check(delegate.connected == conn.connected());
  check(conn.bytes_received() <= in.size());
  check_output(sent, conn.handshake_done());
  return 0;
}
