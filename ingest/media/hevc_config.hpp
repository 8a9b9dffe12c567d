#pragma once
// HEVCDecoderConfigurationRecord (ISO 14496-15 8.3.3.1, "hvcC"), the body of
// H.265 sequence headers: profile/level from the record, size and timing from
// the SPS (and VPS) it carries.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ingest/media/hevc_sps.hpp"

namespace rtmp::media {

struct HevcConfig {
  HevcProfileTierLevel ptl;
  std::optional<uint32_t> width, height;
  std::optional<double> fps;  // SPS VUI, else VPS timing, else avgFrameRate
};

std::optional<HevcConfig> parse_hevc_decoder_config(std::span<const uint8_t> record);

// "Main", "Main 10", "Main Still Picture", "Rext", ... ("" if unknown).
std::string hevc_profile_name(const HevcProfileTierLevel& ptl);
// general_level_idc / 30: 93 → "3.1", 120 → "4".
std::string hevc_level_name(uint8_t level_idc);

}  // namespace rtmp::media
