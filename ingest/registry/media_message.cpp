#include "ingest/registry/media_message.hpp"

#include "ingest/protocol/chunk_writer.hpp"

namespace rtmp::registry {
namespace {

constexpr uint32_t kCsidSharedData = 4;

uint32_t csid_for(uint8_t type_id) {
  switch (static_cast<protocol::MessageType>(type_id)) {
    case protocol::MessageType::kAudio:
      return protocol::kCsidAudio;
    case protocol::MessageType::kVideo:
      return protocol::kCsidVideo;
    default:
      // Not kCsidData: the connection's own stateful writer sends onStatus
      // there with compressed headers, and shared fmt 0 chunks on the same
      // csid would change what the player's reader takes as "previous".
      return kCsidSharedData;
  }
}

}  // namespace

MediaPtr make_media_message(uint8_t type_id, uint32_t timestamp, std::vector<uint8_t> payload,
                            uint32_t chunk_size, bool keyframe, bool sequence_header,
                            uint8_t track) {
  auto m = std::make_shared<MediaMessage>();
  m->header.csid = csid_for(type_id);
  m->header.timestamp = timestamp;
  m->header.length = static_cast<uint32_t>(payload.size());
  m->header.type_id = type_id;
  m->header.stream_id = kPlayerStreamId;
  m->video = type_id == static_cast<uint8_t>(protocol::MessageType::kVideo);
  m->audio = type_id == static_cast<uint8_t>(protocol::MessageType::kAudio);
  m->keyframe = keyframe;
  m->sequence_header = sequence_header;
  m->track = track;
  m->payload = std::move(payload);
  const size_t chunks = m->payload.size() / chunk_size + 1;
  m->chunked.reserve(m->payload.size() + 16 + chunks * 5);
  protocol::write_chunks_fmt0(chunk_size, m->header, m->payload, m->chunked);
  return m;
}

std::vector<uint8_t> rechunk_for_stream(const MediaMessage& m, uint32_t stream_id,
                                        uint32_t chunk_size) {
  protocol::MessageHeader h = m.header;
  h.stream_id = stream_id;
  std::vector<uint8_t> out;
  protocol::write_chunks_fmt0(chunk_size, h, m.payload, out);
  return out;
}

}  // namespace rtmp::registry
