#include "ingest/protocol/control.hpp"

namespace rtmp::protocol {

std::optional<UserControl> parse_user_control(const Message& m) {
  const auto& p = m.payload;
  if (p.size() < 6) return std::nullopt;
  return UserControl{static_cast<uint16_t>(read_be(p.data(), 2)), read_be(p.data() + 2, 4)};
}

std::optional<uint32_t> parse_window_ack_size(const Message& m) {
  if (m.payload.size() < 4) return std::nullopt;
  return read_be(m.payload.data(), 4);
}

std::optional<PeerBandwidth> parse_set_peer_bandwidth(const Message& m) {
  const auto& p = m.payload;
  if (p.size() < 4) return std::nullopt;
  PeerBandwidth b;
  b.size = read_be(p.data(), 4);
  if (p.size() >= 5) b.limit_type = p[4];
  return b;
}

std::optional<uint32_t> Acknowledger::due(uint64_t bytes_received) {
  if (window_ == 0 || bytes_received - last_acked_ < window_) return std::nullopt;
  last_acked_ = bytes_received;
  // The sequence number wraps at 32 bits, as the field does.
  return static_cast<uint32_t>(bytes_received);
}

}  // namespace rtmp::protocol
