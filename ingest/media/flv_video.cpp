#include "ingest/media/flv_video.hpp"

#include <string_view>

#include "ingest/media/byte_reader.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kFrameKey = 1;
constexpr uint8_t kFrameCommand = 5;
constexpr uint8_t kCodecAvc = 7;
constexpr uint8_t kCodecHevc = 12;
constexpr uint8_t kMultitrackOneTrack = 0;
constexpr uint8_t kMultitrackManyCodecs = 2;

const char* legacy_codec_name(uint8_t codec_id) {
  switch (codec_id) {
    case 2:
      return "H263";
    case 3:
      return "ScreenVideo";
    case 4:
    case 5:
      return "VP6";
    case 6:
      return "ScreenVideo2";
    case kCodecAvc:
      return "H264";
    case kCodecHevc:
      return "H265";
    default:
      return "";
  }
}

std::string fourcc_codec_name(std::span<const uint8_t> fourcc) {
  const std::string_view cc(reinterpret_cast<const char*>(fourcc.data()), fourcc.size());
  if (cc == "avc1") return "H264";
  if (cc == "hvc1") return "H265";
  if (cc == "av01") return "AV1";
  if (cc == "vp09") return "VP9";
  if (cc == "vp08") return "VP8";
  return "";
}

VideoPacket parse_legacy(ByteReader& r, uint8_t first) {
  VideoPacket out;
  const uint8_t frame_type = first >> 4;
  const uint8_t codec_id = first & 0x0f;
  if (frame_type < 1 || frame_type > 5) return out;
  out.tag.codec = legacy_codec_name(codec_id);
  out.tag.keyframe = frame_type == kFrameKey;
  out.tag.command_frame = frame_type == kFrameCommand;
  if (!out.tag.command_frame && (codec_id == kCodecAvc || codec_id == kCodecHevc)) {
    const uint8_t packet_type = r.u8();
    r.skip(3);  // CompositionTime
    if (!r.ok() || packet_type > 2) return out;
    out.packet_type = static_cast<VideoPacketType>(packet_type);
    out.tag.sequence_header = packet_type == 0;
    out.tag.end_of_sequence = packet_type == 2;
  }
  out.body = r.rest();
  out.tag.valid = r.ok();
  return out;
}

// ExVideoTagBody after the FourCC: the first track of a multitrack packet, and
// the composition time of avc1/hvc1 coded frames.
void parse_enhanced_body(ByteReader& r, VideoPacket& out, bool multitrack,
                         uint8_t multitrack_type) {
  if (multitrack) {
    if (multitrack_type == kMultitrackManyCodecs) out.tag.codec = fourcc_codec_name(r.bytes(4));
    out.track = r.u8();
    if (multitrack_type != kMultitrackOneTrack) {
      const uint32_t size = r.u24();
      ByteReader track(r.bytes(size));
      if (!r.ok()) return;
      r = track;
    }
  }
  const bool composition_time = out.packet_type == VideoPacketType::kCodedFrames &&
                                (out.tag.codec == "H264" || out.tag.codec == "H265");
  if (composition_time) r.skip(3);
  out.body = r.rest();
  out.tag.valid = r.ok();
}

VideoPacket parse_enhanced(ByteReader& r, uint8_t first) {
  VideoPacket out;
  out.tag.enhanced = true;
  const uint8_t frame_type = (first >> 4) & 0x07;
  uint8_t packet_type = first & 0x0f;
  if (frame_type < 1 || frame_type > 5) return out;
  while (packet_type == static_cast<uint8_t>(VideoPacketType::kModEx) && r.ok()) {
    size_t size = r.u8() + 1u;
    if (size == 256) size = r.u16() + 1u;
    r.skip(size);
    packet_type = r.u8() & 0x0f;  // low nibble: the real packet type
  }
  out.tag.command_frame = frame_type == kFrameCommand &&
                          packet_type != static_cast<uint8_t>(VideoPacketType::kMetadata);
  if (out.tag.command_frame) {
    r.skip(1);  // VideoCommand; no FourCC, no body
    out.tag.valid = r.ok();
    return out;
  }
  bool multitrack = false;
  uint8_t multitrack_type = 0;
  if (packet_type == static_cast<uint8_t>(VideoPacketType::kMultitrack)) {
    multitrack = true;
    const uint8_t byte = r.u8();
    multitrack_type = byte >> 4;
    packet_type = byte & 0x0f;
    if (multitrack_type > kMultitrackManyCodecs) return out;
  }
  if (!r.ok() || packet_type > static_cast<uint8_t>(VideoPacketType::kMpeg2TsSequenceStart)) {
    return out;
  }
  out.packet_type = static_cast<VideoPacketType>(packet_type);
  out.tag.keyframe = frame_type == kFrameKey;
  if (!multitrack || multitrack_type != kMultitrackManyCodecs) {
    out.tag.codec = fourcc_codec_name(r.bytes(4));
  }
  out.tag.sequence_header = out.packet_type == VideoPacketType::kSequenceStart ||
                            out.packet_type == VideoPacketType::kMpeg2TsSequenceStart;
  out.tag.end_of_sequence = out.packet_type == VideoPacketType::kSequenceEnd;
  parse_enhanced_body(r, out, multitrack, multitrack_type);
  return out;
}

}  // namespace

VideoPacket parse_video_packet(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  const uint8_t first = r.u8();
  if (!r.ok()) return {};
  VideoPacket out = (first & 0x80) ? parse_enhanced(r, first) : parse_legacy(r, first);
  if (!out.tag.valid) return VideoPacket{};
  if (out.tag.sequence_header) out.tag.keyframe = true;
  return out;
}

}  // namespace rtmp::media
