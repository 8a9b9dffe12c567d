#pragma once
// The picture size legacy FLV video codecs write into their frames (they have
// no sequence header): Sorenson H.263's picture header (ffmpeg's "flv1", the
// FLV muxer's default video codec) and Screen Video's frame header (v1 and v2
// share it).
#include <cstdint>
#include <optional>
#include <span>

namespace rtmp::media {

struct PictureSize {
  uint32_t width = 0;
  uint32_t height = 0;
};

// frame: the video tag body after its first byte.
std::optional<PictureSize> parse_h263_picture_size(std::span<const uint8_t> frame);
std::optional<PictureSize> parse_screen_video_size(std::span<const uint8_t> frame);

}  // namespace rtmp::media
