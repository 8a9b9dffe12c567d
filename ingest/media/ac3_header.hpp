#pragma once
// AC-3 and E-AC-3 sync frame headers (ATSC A/52 5.4.1 and E.1.2): sample
// rate and channels (acmod plus LFE) of ac-3 / ec-3 coded frames.
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct Ac3Header {
  bool enhanced = false;  // E-AC-3 (bsid 11..16)
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
};

// frame: starts at the 0x0B77 sync word.
std::optional<Ac3Header> parse_ac3_header(std::span<const uint8_t> frame);

}  // namespace rtmp::media
