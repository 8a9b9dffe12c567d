#pragma once
// AV1CodecConfigurationRecord ("av1C", AV1-ISOBMFF 2.3.3) as carried by
// Enhanced RTMP av01 sequence starts, and the sequence header OBU (AV1 spec
// 5.5) inside its configOBUs for the frame size and timing.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace rtmp::media {

struct Av1SequenceHeader {
  uint8_t seq_profile = 0;
  uint8_t seq_level_idx = 0;  // of operating point 0
  uint32_t max_width = 0;
  uint32_t max_height = 0;
  std::optional<double> fps;  // timing_info with equal_picture_interval
};

struct Av1Config {
  uint8_t seq_profile = 0;
  uint8_t seq_level_idx = 0;
  bool tier = false;
  std::optional<Av1SequenceHeader> sequence_header;
};

std::optional<Av1Config> parse_av1_config(std::span<const uint8_t> record);

// payload: the body of an OBU_SEQUENCE_HEADER (after the OBU header/size).
std::optional<Av1SequenceHeader> parse_av1_sequence_header(std::span<const uint8_t> payload);

// "Main", "High", "Professional".
std::string av1_profile_name(uint8_t seq_profile);
// seq_level_idx 8 → "4", 9 → "4.1"; 31 → "" (no level).
std::string av1_level_name(uint8_t seq_level_idx);

}  // namespace rtmp::media
