#pragma once
// H.265 parameter sets (ITU-T H.265 7.3.2.1 VPS, 7.3.2.2 SPS, 7.3.3
// profile_tier_level): profile, level, picture size after the conformance
// window, and timing (SPS VUI, else VPS) for codec_detected.
#include <cstdint>
#include <optional>
#include <span>

#include "ingest/media/bit_reader.hpp"

namespace rtmp::media {

struct HevcProfileTierLevel {
  uint8_t profile_space = 0;
  bool tier = false;
  uint8_t profile_idc = 0;
  uint32_t compatibility_flags = 0;  // bit 31 = flag[0]
  uint8_t level_idc = 0;
};

struct HevcSps {
  HevcProfileTierLevel ptl;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  uint32_t width = 0;         // after the conformance window
  uint32_t height = 0;        // after the conformance window
  std::optional<double> fps;  // VUI time_scale / num_units_in_tick
};

// profile_tier_level(1, max_sub_layers_minus1); false when truncated.
bool parse_profile_tier_level(BitReader& br, unsigned max_sub_layers_minus1,
                              HevcProfileTierLevel& out);

// nal: one SPS NAL unit including its 2-byte header, still escaped.
std::optional<HevcSps> parse_hevc_sps(std::span<const uint8_t> nal);

// nal: one VPS NAL unit; the frame rate of vps_timing_info when present.
std::optional<double> parse_hevc_vps_fps(std::span<const uint8_t> nal);

}  // namespace rtmp::media
