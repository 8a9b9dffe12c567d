#pragma once
// One media message of a published stream, immutable once built and shared by
// every player: fan-out costs one chunking per message, not one per player.
// The chunked bytes are built once, for the server's outgoing chunk size and
// message stream id 1 (what every player's createStream returns first).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ingest/protocol/message.hpp"

namespace rtmp::registry {

inline constexpr uint32_t kPlayerStreamId = 1;

struct MediaMessage {
  protocol::MessageHeader header;  // csid chosen by type; stream id kPlayerStreamId
  bool video = false;
  bool audio = false;
  bool keyframe = false;         // video keyframe (a GOP starts here)
  bool sequence_header = false;  // codec configuration
  // Enhanced RTMP multitrack: the track (0, the default track, for every
  // other message). Only track 0 starts a GOP; each track's configuration is
  // kept for late players.
  uint8_t track = 0;
  std::vector<uint8_t> payload;  // the message body as received
  std::vector<uint8_t> chunked;  // header + chunks, ready to write

  size_t memory() const { return payload.capacity() + chunked.capacity() + sizeof(*this); }
};

using MediaPtr = std::shared_ptr<const MediaMessage>;

// Builds the shared message: chunk stream by type (audio 6, video 7, data 5).
MediaPtr make_media_message(uint8_t type_id, uint32_t timestamp, std::vector<uint8_t> payload,
                            uint32_t chunk_size, bool keyframe, bool sequence_header,
                            uint8_t track = 0);

// The same message chunked for another stream id (a player whose stream is not 1).
std::vector<uint8_t> rechunk_for_stream(const MediaMessage& m, uint32_t stream_id,
                                        uint32_t chunk_size);

}  // namespace rtmp::registry
