#pragma once
// VP9: the VPCodecConfigurationRecord ("vpcC", VP Codec ISO Media File Format
// Binding 2.2) of Enhanced RTMP vp09 sequence starts. VP8: the key frame
// header (RFC 6386 9.1), the only place its picture size is written.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace rtmp::media {

struct VpcConfig {
  uint8_t profile = 0;
  uint8_t level = 0;  // 10 × level: 31 = level 3.1, 0 = unspecified
  uint8_t bit_depth = 8;
};

// Accepts the record alone or preceded by the FullBox version/flags.
std::optional<VpcConfig> parse_vpc_config(std::span<const uint8_t> record);

std::string vp9_profile_name(uint8_t profile);  // "Profile 0"...
std::string vp9_level_name(uint8_t level);      // 31 → "3.1", 40 → "4"

struct Vp8KeyFrame {
  uint8_t version = 0;  // the profile
  uint32_t width = 0;
  uint32_t height = 0;
};

// frame: one VP8 frame; nullopt unless it is a key frame.
std::optional<Vp8KeyFrame> parse_vp8_key_frame(std::span<const uint8_t> frame);

}  // namespace rtmp::media
