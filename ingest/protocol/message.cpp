#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {
namespace {

// A protocol control message on csid 2, message stream 0, timestamp 0.
Message control(MessageType type, std::vector<uint8_t> payload) {
  Message m;
  m.header.csid = kCsidProtocolControl;
  m.header.type_id = static_cast<uint8_t>(type);
  m.header.length = static_cast<uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

std::vector<uint8_t> be32(uint32_t v) {
  std::vector<uint8_t> out;
  append_be(out, v, 4);
  return out;
}

}  // namespace

Message make_set_chunk_size(uint32_t size) {
  return control(MessageType::kSetChunkSize, be32(size & 0x7FFFFFFF));
}

Message make_window_ack_size(uint32_t size) {
  return control(MessageType::kWindowAckSize, be32(size));
}

Message make_set_peer_bandwidth(uint32_t size, uint8_t limit_type) {
  auto payload = be32(size);
  payload.push_back(limit_type);
  return control(MessageType::kSetPeerBandwidth, std::move(payload));
}

Message make_acknowledgement(uint32_t sequence_number) {
  return control(MessageType::kAcknowledgement, be32(sequence_number));
}

Message make_user_control(UserControlEvent event, uint32_t value) {
  std::vector<uint8_t> payload;
  append_be(payload, static_cast<uint16_t>(event), 2);
  append_be(payload, value, 4);
  return control(MessageType::kUserControl, std::move(payload));
}

Message make_ping_response(uint32_t timestamp) {
  return make_user_control(UserControlEvent::kPingResponse, timestamp);
}

}  // namespace rtmp::protocol
