#pragma once
// RTMP messages and their types (RTMP spec §5.4, §6, §7), without I/O.
#include <cstdint>
#include <vector>

namespace rtmp::protocol {

enum class MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kSharedObjectAmf3 = 16,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kSharedObjectAmf0 = 19,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

enum class UserControlEvent : uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

struct MessageHeader {
  uint32_t csid = 0;       // chunk stream id it arrived on / goes out on (2..65599)
  uint32_t timestamp = 0;  // absolute, milliseconds (extended timestamps resolved)
  uint32_t length = 0;     // payload length
  uint8_t type_id = 0;
  uint32_t stream_id = 0;  // message stream id
};

struct Message {
  MessageHeader header;
  std::vector<uint8_t> payload;

  MessageType type() const { return static_cast<MessageType>(header.type_id); }
};

// Conventional chunk stream ids for what we send.
inline constexpr uint32_t kCsidProtocolControl = 2;
inline constexpr uint32_t kCsidCommand = 3;
inline constexpr uint32_t kCsidData = 5;  // onMetaData, onStatus of a stream
inline constexpr uint32_t kCsidAudio = 6;
inline constexpr uint32_t kCsidVideo = 7;

// Protocol control and user control message builders (complete messages, to be
// chunked by a ChunkWriter). All go on csid 2, stream 0.
Message make_set_chunk_size(uint32_t size);
Message make_window_ack_size(uint32_t size);
Message make_set_peer_bandwidth(uint32_t size, uint8_t limit_type);  // 2 = dynamic
Message make_acknowledgement(uint32_t sequence_number);
Message make_user_control(UserControlEvent event, uint32_t value);  // StreamBegin/EOF/Ping
Message make_ping_response(uint32_t timestamp);

// Reads a big-endian unsigned of n bytes (1..4) at p.
inline uint32_t read_be(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
inline void append_be(std::vector<uint8_t>& out, uint32_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace rtmp::protocol
