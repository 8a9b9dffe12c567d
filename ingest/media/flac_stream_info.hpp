#pragma once
// FLAC STREAMINFO (RFC 9639 8.2), the body of Enhanced RTMP fLaC sequence
// starts: "fLaC" followed by metadata blocks, STREAMINFO first.
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct FlacStreamInfo {
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
  uint32_t bits_per_sample = 0;
};

// data: "fLaC" + metadata block header + STREAMINFO (the "fLaC" is optional).
std::optional<FlacStreamInfo> parse_flac_stream_info(std::span<const uint8_t> data);

}  // namespace rtmp::media
