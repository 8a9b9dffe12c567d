#pragma once
// MPEG-1/2/2.5 audio frame header (ISO 11172-3 2.4.1.3): the sample rate and
// channel count of MP3 tags.
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct MpegAudioHeader {
  uint8_t layer = 0;  // 1, 2 or 3
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
};

// frame: starts at the 11-bit frame sync.
std::optional<MpegAudioHeader> parse_mpeg_audio_header(std::span<const uint8_t> frame);

}  // namespace rtmp::media
