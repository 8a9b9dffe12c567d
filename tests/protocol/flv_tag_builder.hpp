#pragma once
// Builds the FLV tags an aggregate message carries, for the aggregate tests.
#include <cstdint>
#include <vector>

#include "ingest/protocol/message.hpp"

namespace rtmp::protocol::test {

// One FLV tag: header(11) body prev_tag_size(4).
inline void append_tag(std::vector<uint8_t>& out, MessageType type, uint32_t ts,
                       const std::vector<uint8_t>& body) {
  out.push_back(static_cast<uint8_t>(type));
  append_be(out, static_cast<uint32_t>(body.size()), 3);
  append_be(out, ts & 0xFFFFFF, 3);
  out.push_back(static_cast<uint8_t>(ts >> 24));
  append_be(out, 0, 3);
  out.insert(out.end(), body.begin(), body.end());
  append_be(out, static_cast<uint32_t>(11 + body.size()), 4);
}

}  // namespace rtmp::protocol::test
