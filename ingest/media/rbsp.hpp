#pragma once
// NAL unit payload → RBSP: drops the emulation prevention byte of every
// 00 00 03 sequence (H.264 7.4.1, H.265 7.4.2), so bit parsers see the syntax.
#include <cstdint>
#include <span>
#include <vector>

namespace rtmp::media {

std::vector<uint8_t> unescape_rbsp(std::span<const uint8_t> nal);

}  // namespace rtmp::media
