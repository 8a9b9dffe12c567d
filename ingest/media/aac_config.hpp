#pragma once
// AudioSpecificConfig (ISO 14496-3 1.6.2.1), the body of AAC sequence
// headers: object type, output sample rate and channels, with SBR/PS
// signalled explicitly (object types 5/29) or by the 0x2b7 sync extension.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace rtmp::media {

struct AacConfig {
  uint32_t object_type = 0;  // the core object type (2 = LC under HE-AAC)
  uint32_t sample_rate = 0;  // output rate (the SBR rate when SBR is present)
  uint32_t channels = 0;     // output channels (2 with PS); 0 if unknown
  bool sbr = false;
  bool ps = false;
};

std::optional<AacConfig> parse_aac_config(std::span<const uint8_t> asc);

// "LC", "HE-AAC", "HE-AACv2", "Main", "LTP", "LD", "ELD", ... ("" if unknown).
std::string aac_profile_name(const AacConfig& config);

}  // namespace rtmp::media
