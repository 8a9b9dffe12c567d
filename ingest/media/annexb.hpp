#pragma once
// H.264/H.265 Annex-B byte streams (ITU-T H.264 Annex B): NAL units split at
// their 00 00 01 / 00 00 00 01 start codes, and the 4-byte length-prefixed
// form FLV/RTMP and MP4 carry them in. The NAL bytes stay escaped (emulation
// prevention bytes are part of both forms).
#include <cstdint>
#include <span>
#include <vector>

namespace rtmp::media {

// The NAL units of an Annex-B buffer, in order, without start codes and
// without the trailing zero bytes before the next start code. Bytes before
// the first start code are not a NAL unit and are skipped; empty units are
// left out. No start code at all: an empty result.
std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> data);

// Appends nal as a 4-byte big-endian length followed by its bytes.
void append_length_prefixed(std::vector<uint8_t>& out, std::span<const uint8_t> nal);

}  // namespace rtmp::media
