#pragma once
// The header of an FLV video tag body / RTMP video message (FLV 10.1 E.4.3.1
// and Enhanced RTMP v2 "ExVideoTagHeader"): codec, frame type, packet type,
// and where the codec payload (config record or frames) starts. Multitrack
// packets are reduced to their first track.
#include <cstdint>
#include <span>

#include "ingest/media/codec_info.hpp"

namespace rtmp::media {

// Enhanced RTMP VideoPacketType; legacy AVC/HEVC packet types map onto 0..2.
enum class VideoPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kCodedFramesX = 3,
  kMetadata = 4,
  kMpeg2TsSequenceStart = 5,
  kMultitrack = 6,
  kModEx = 7,
  kNone = 0xff,  // legacy codecs without a packet type
};

struct VideoPacket {
  VideoTag tag;
  VideoPacketType packet_type = VideoPacketType::kNone;
  uint8_t track = 0;              // Enhanced RTMP multitrack: the (first) track's id
  std::span<const uint8_t> body;  // after every header (and composition time)

  // Frames (a keyframe or not), not a configuration, end-of-sequence or
  // metadata packet, whatever the frame type says.
  bool coded_frames() const {
    return packet_type == VideoPacketType::kCodedFrames ||
           packet_type == VideoPacketType::kCodedFramesX || packet_type == VideoPacketType::kNone;
  }
};

VideoPacket parse_video_packet(std::span<const uint8_t> payload);

}  // namespace rtmp::media
