#pragma once
// The header of an FLV audio tag body / RTMP audio message (FLV 10.1 E.4.2.1
// and Enhanced RTMP v2 "ExAudioTagHeader"): codec, the rate and channels of
// the legacy header byte, packet type, and where the codec payload starts.
// Multitrack packets are reduced to their first track.
#include <cstdint>
#include <span>

#include "ingest/media/codec_info.hpp"

namespace rtmp::media {

// Enhanced RTMP AudioPacketType; the legacy AAC packet types map onto 0..1.
enum class AudioPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kMultichannelConfig = 4,
  kMultitrack = 5,
  kModEx = 7,
  kNone = 0xff,  // legacy formats without a packet type
};

struct AudioPacket {
  AudioTag tag;
  AudioPacketType packet_type = AudioPacketType::kNone;
  uint8_t track = 0;              // Enhanced RTMP multitrack: the (first) track's id
  std::span<const uint8_t> body;  // after every header

  // Frames, not a configuration, end-of-sequence or multichannel packet.
  bool coded_frames() const {
    return packet_type == AudioPacketType::kCodedFrames || packet_type == AudioPacketType::kNone;
  }
};

AudioPacket parse_audio_packet(std::span<const uint8_t> payload);

}  // namespace rtmp::media
