#pragma once
// What an FLV audio/video tag body (an RTMP audio/video message payload) says:
// codec, sequence header or frame, keyframe; and, from sequence headers, the
// codec details for codec_detected. Legacy FLV and Enhanced RTMP (FourCC
// video: avc1, hvc1, av01, vp09; audio: Opus, fLaC, ac-3, ec-3, mp4a, .mp3).
// No I/O; malformed input yields valid == false, never a crash.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ingest/events/event.hpp"

namespace rtmp::media {

struct VideoTag {
  bool valid = false;
  std::string codec;  // H264, H265, AV1, VP9, VP8, VP6, ... ("" if unknown)
  bool enhanced = false;
  bool sequence_header = false;  // AVC/HEVC config record, AV1/VP9 config
  bool keyframe = false;         // frame type 1 (also true on sequence headers)
  bool end_of_sequence = false;
  bool command_frame = false;    // frame type 5 (video info/command), not media
};

struct AudioTag {
  bool valid = false;
  std::string codec;  // AAC, MP3, Opus, FLAC, AC3, EAC3, Speex, PCM, ...
  bool enhanced = false;
  bool sequence_header = false;  // AAC AudioSpecificConfig, Opus/FLAC sequence start
  // From the legacy FLV audio header (AAC always reports 44100/stereo there).
  std::optional<uint32_t> sample_rate;
  std::optional<uint32_t> channels;
};

VideoTag inspect_video(std::span<const uint8_t> payload);
AudioTag inspect_audio(std::span<const uint8_t> payload);

// Details for codec_detected from the first sequence header (or first frame
// for codecs without one). width/height/profile/level (and fps when the SPS
// carries timing) for H264 (SPS) and H265 (VPS/SPS); sample_rate/channels for
// AAC (AudioSpecificConfig), MP3 (frame header), Opus/FLAC where present.
// fps_hint (from onMetaData framerate) fills fps when the bitstream lacks it.
std::optional<events::CodecDetected> describe_video(std::span<const uint8_t> payload,
                                                    std::optional<double> fps_hint = {});
std::optional<events::CodecDetected> describe_audio(std::span<const uint8_t> payload);

}  // namespace rtmp::media
