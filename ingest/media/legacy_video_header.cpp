#include "ingest/media/legacy_video_header.hpp"

#include "ingest/media/bit_reader.hpp"

namespace rtmp::media {

// Sorenson H.263: a 17-bit start code (0000 0000 0000 0000 1), a 5-bit
// version (0 or 1), an 8-bit temporal reference, then a 3-bit size code: a
// custom 8- or 16-bit width and height, or one of five fixed sizes.
std::optional<PictureSize> parse_h263_picture_size(std::span<const uint8_t> frame) {
  BitReader r(frame);
  if (r.bits(17) != 1) return std::nullopt;
  if (r.bits(5) > 1) return std::nullopt;
  r.skip(8);
  PictureSize size;
  switch (r.bits(3)) {
    case 0:
      size.width = r.bits(8);
      size.height = r.bits(8);
      break;
    case 1:
      size.width = r.bits(16);
      size.height = r.bits(16);
      break;
    case 2:
      size = {352, 288};
      break;
    case 3:
      size = {176, 144};
      break;
    case 4:
      size = {128, 96};
      break;
    case 5:
      size = {320, 240};
      break;
    case 6:
      size = {160, 120};
      break;
    default:
      return std::nullopt;
  }
  if (!r.ok() || size.width == 0 || size.height == 0) return std::nullopt;
  return size;
}

// Screen Video: 4-bit block width, 12-bit image width, 4-bit block height,
// 12-bit image height.
std::optional<PictureSize> parse_screen_video_size(std::span<const uint8_t> frame) {
  BitReader r(frame);
  r.skip(4);
  PictureSize size;
  size.width = r.bits(12);
  r.skip(4);
  size.height = r.bits(12);
  if (!r.ok() || size.width == 0 || size.height == 0) return std::nullopt;
  return size;
}

}  // namespace rtmp::media
