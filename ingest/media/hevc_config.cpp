#include "ingest/media/hevc_config.hpp"

#include "ingest/media/byte_reader.hpp"
#include "ingest/media/level_name.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kNalVps = 32;
constexpr uint8_t kNalSps = 33;

}  // namespace

std::optional<HevcConfig> parse_hevc_decoder_config(std::span<const uint8_t> record) {
  ByteReader r(record);
  const uint8_t version = r.u8();
  const uint8_t profile_byte = r.u8();
  HevcConfig config;
  config.ptl.profile_space = profile_byte >> 6;
  config.ptl.tier = (profile_byte & 0x20) != 0;
  config.ptl.profile_idc = profile_byte & 0x1f;
  config.ptl.compatibility_flags = r.u32();
  r.skip(6);  // general_constraint_indicator_flags
  config.ptl.level_idc = r.u8();
  r.skip(6);  // min_spatial_segmentation, parallelism, chroma format, bit depths
  const uint16_t avg_frame_rate = r.u16();  // frames per 256 s
  r.skip(1);  // constantFrameRate, numTemporalLayers, lengthSizeMinusOne
  const uint8_t num_arrays = r.u8();
  if (!r.ok() || version != 1) return std::nullopt;

  std::optional<double> vps_fps;
  for (uint8_t a = 0; a < num_arrays && r.ok(); ++a) {
    const uint8_t nal_type = r.u8() & 0x3f;
    const uint16_t count = r.u16();
    for (uint16_t n = 0; n < count && r.ok(); ++n) {
      const uint16_t length = r.u16();
      const auto nal = r.bytes(length);
      if (!r.ok()) break;
      if (nal_type == kNalSps && !config.width) {
        if (const auto sps = parse_hevc_sps(nal)) {
          config.width = sps->width;
          config.height = sps->height;
          config.fps = sps->fps;
        }
      } else if (nal_type == kNalVps && !vps_fps) {
        vps_fps = parse_hevc_vps_fps(nal);
      }
    }
  }
  if (!r.ok()) return std::nullopt;
  if (!config.fps) config.fps = vps_fps;
  if (!config.fps && avg_frame_rate != 0) config.fps = avg_frame_rate / 256.0;
  return config;
}

std::string hevc_profile_name(const HevcProfileTierLevel& ptl) {
  unsigned idc = ptl.profile_idc;
  // Profile 0 with compatibility flags: the lowest flagged profile names it.
  for (unsigned j = 1; idc == 0 && j < 32; ++j) {
    if (ptl.compatibility_flags & (0x80000000u >> j)) idc = j;
  }
  switch (idc) {
    case 1:
      return "Main";
    case 2:
      return "Main 10";
    case 3:
      return "Main Still Picture";
    case 4:
      return "Rext";
    case 5:
      return "High Throughput";
    case 6:
      return "Multiview Main";
    case 7:
      return "Scalable Main";
    case 8:
      return "3D Main";
    case 9:
      return "SCC";
    case 10:
      return "Scalable Rext";
    case 11:
      return "High Throughput SCC";
    default:
      return "";
  }
}

std::string hevc_level_name(uint8_t level_idc) {
  if (level_idc == 0) return "";
  return level_name(level_idc / 30u, (level_idc % 30u) / 3u);
}

}  // namespace rtmp::media
