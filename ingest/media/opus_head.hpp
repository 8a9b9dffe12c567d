#pragma once
// The Opus identification header (RFC 7845 5.1, "OpusHead") of Enhanced RTMP
// Opus sequence starts; the ISO BMFF "dOps" layout (big-endian, no magic) is
// accepted too, as some encoders send that.
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct OpusHead {
  uint32_t channels = 0;
  uint32_t input_sample_rate = 0;  // informational; 0 when unspecified
};

std::optional<OpusHead> parse_opus_head(std::span<const uint8_t> data);

}  // namespace rtmp::media
