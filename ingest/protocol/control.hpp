#pragma once
// Reading the control messages a peer sends (Window Acknowledgement Size, Set
// Peer Bandwidth, User Control) and the acknowledgement they ask of us. No I/O.
// Set Chunk Size and Abort change how chunks are read, so the ChunkReader
// applies those itself.
#include <cstdint>
#include <optional>

#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {

struct UserControl {
  uint16_t event = 0;  // a UserControlEvent, or one we do not know
  uint32_t value = 0;  // stream id or timestamp, by event
};

struct PeerBandwidth {
  uint32_t size = 0;
  uint8_t limit_type = 2;  // dynamic when the peer leaves the byte out
};

// Each is empty when the message is too short to hold its fields (such a
// message is ignored, not fatal: clients in the wild send odd control bytes).
std::optional<UserControl> parse_user_control(const Message& m);
std::optional<uint32_t> parse_window_ack_size(const Message& m);
std::optional<PeerBandwidth> parse_set_peer_bandwidth(const Message& m);

// The receiving side of the acknowledgement window: once the peer announced a
// window, every window's worth of received bytes is answered with an
// Acknowledgement carrying the total so far.
class Acknowledger {
 public:
  void set_window(uint32_t window) { window_ = window; }
  // The sequence number to acknowledge now, given all bytes received so far.
  std::optional<uint32_t> due(uint64_t bytes_received);

 private:
  uint32_t window_ = 0;  // 0: the peer asked for no acknowledgements
  uint64_t last_acked_ = 0;
};

}  // namespace rtmp::protocol
