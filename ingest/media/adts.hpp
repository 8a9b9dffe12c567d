#pragma once
// ADTS frames (ISO 14496-3 1.A.2.2), how MPEG-TS carries AAC: a 7-byte
// header (9 with its CRC) before each frame's raw data. RTMP wants the
// AudioSpecificConfig once, then the raw frames.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct AdtsHeader {
  uint8_t object_type = 0;     // profile + 1 (2 = AAC LC)
  uint8_t sampling_index = 0;  // 0..12
  uint8_t channel_config = 0;  // 0: a program config element in the frame
  uint32_t sample_rate = 0;
  size_t header_size = 7;   // 9 when a CRC follows the fixed header
  size_t frame_length = 0;  // header included
  uint8_t raw_blocks = 1;   // raw data blocks (1024 samples each) in the frame
};

// The header at the start of data, if it is a plausible one: sync word,
// layer 0, a defined sampling index, a frame length that covers the header.
// The frame may extend past data (check frame_length against the size).
std::optional<AdtsHeader> parse_adts_header(std::span<const uint8_t> data);

// The 2-byte AudioSpecificConfig the header describes.
std::array<uint8_t, 2> adts_audio_specific_config(const AdtsHeader& header);

}  // namespace rtmp::media
