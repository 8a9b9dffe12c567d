#include "ingest/record/tracks.hpp"

#include "ingest/media/flv_audio.hpp"
#include "ingest/protocol/amf0.hpp"

namespace rtmp::record {

void Tracks::observe(const registry::MediaPtr& m) {
  if (m->video) {
    const auto packet = media::parse_video_packet(m->payload);
    if (!packet.tag.valid || packet.tag.codec.empty() || packet.tag.command_frame) return;
    video_codec = packet.tag.codec;
    enhanced = enhanced || packet.tag.enhanced;
    if (packet.tag.sequence_header) video_config = m;
  } else if (m->audio) {
    const auto packet = media::parse_audio_packet(m->payload);
    if (!packet.tag.valid || packet.tag.codec.empty()) return;
    audio_codec = packet.tag.codec;
    enhanced = enhanced || packet.tag.enhanced;
    if (packet.tag.sequence_header) {
      audio_config = m;
    } else if (!first_audio) {
      first_audio = m;
    }
  } else if (m->sequence_header) {
    metadata = m;
    std::vector<amf0::Value> values;
    if (amf0::decode_all(m->payload, values).empty() && values.size() >= 2) {
      const auto names_codec = [](const amf0::Value* id) {
        return id != nullptr && id->type != amf0::Type::kNull &&
               !(id->type == amf0::Type::kNumber && id->number == 0);
      };
      video_announced = names_codec(values[1].get("videocodecid"));
      audio_announced = names_codec(values[1].get("audiocodecid"));
    }
  }
}

std::string choose_format(const std::string& requested, const Tracks& t) {
  if (requested == "flv" || requested == "mp4") return requested;
  const std::string& v = t.video_codec;
  const std::string& a = t.audio_codec;
  const bool mp4 = t.enhanced || v == "H265" || v == "AV1" || v == "VP9" || a == "Opus" ||
                   a == "FLAC" || a == "AC3" || a == "EAC3";
  return mp4 ? "mp4" : "flv";
}

int32_t composition_time(const media::VideoPacket& packet) {
  const bool has = packet.packet_type == media::VideoPacketType::kCodedFrames &&
                   (packet.tag.codec == "H264" || packet.tag.codec == "H265");
  if (!has || packet.body.data() == nullptr) return 0;
  // Both the legacy and the Enhanced RTMP layouts put the signed 24-bit
  // CompositionTime right before the frame data (flv_video.cpp skips it).
  const uint8_t* p = packet.body.data() - 3;
  int32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
  if (v & 0x800000) v -= 0x1000000;
  return v;
}

}  // namespace rtmp::record
