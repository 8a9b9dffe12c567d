#pragma once
// The bytes of an FLV file (FLV 10.1 annex E): file header, tags, and an
// onMetaData tag whose duration and filesize are placeholders patched when
// the file is closed. No I/O.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtmp::record {

inline constexpr uint8_t kFlvTagAudio = 8;
inline constexpr uint8_t kFlvTagVideo = 9;
inline constexpr uint8_t kFlvTagScript = 18;
inline constexpr size_t kFlvHeaderSize = 13;  // header + PreviousTagSize0
inline constexpr size_t kFlvTagHeaderSize = 11;

// "FLV", version 1, the audio/video flags, header size, PreviousTagSize0.
std::array<uint8_t, kFlvHeaderSize> flv_header(bool has_audio, bool has_video);

// Appends one tag: header (type, size, 32-bit timestamp, stream id 0), body,
// PreviousTagSize.
void append_flv_tag(std::vector<uint8_t>& out, uint8_t type, uint32_t timestamp,
                    std::span<const uint8_t> body);

// A big-endian AMF0 number's 8 bytes.
std::array<uint8_t, 8> amf_double_bytes(double v);

struct FlvMetadataTag {
  std::vector<uint8_t> tag;  // a complete script tag
  // Where, within `tag`, the 8 bytes of the duration and filesize numbers are.
  size_t duration_offset = 0;
  size_t filesize_offset = 0;
};

// onMetaData for a recorded file: duration and filesize (0 until patched)
// first, then the publisher's own properties (from its onMetaData message
// body, when it sent one and it decodes) except those two.
FlvMetadataTag flv_metadata_tag(std::span<const uint8_t> publisher_metadata);

}  // namespace rtmp::record
