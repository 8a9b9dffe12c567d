#include "ingest/media/hevc_config_builder.hpp"

#include "ingest/media/hevc_sps.hpp"
#include "ingest/media/rbsp.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kNalVps = 32;
constexpr uint8_t kNalSps = 33;
constexpr uint8_t kNalPps = 34;
// The SPS RBSP starts with a byte of ids and layering, then the 12 bytes of
// general_profile_tier_level: profile byte, 4 compatibility flag bytes, 6
// constraint flag bytes, level. The record copies those 12 bytes as they are.
constexpr size_t kSpsHeadBytes = 13;

bool append_array(std::vector<uint8_t>& out, uint8_t nal_type, const NalList& nals) {
  if (nals.size() > 0xffff) return false;
  out.push_back(static_cast<uint8_t>(0x80 | nal_type));  // array_completeness 1
  out.push_back(static_cast<uint8_t>(nals.size() >> 8));
  out.push_back(static_cast<uint8_t>(nals.size()));
  for (const auto& nal : nals) {
    if (nal.size() > 0xffff) return false;
    out.push_back(static_cast<uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return true;
}

}  // namespace

std::optional<std::vector<uint8_t>> build_hevc_decoder_config(const NalList& vps,
                                                              const NalList& sps,
                                                              const NalList& pps) {
  if (vps.empty() || sps.empty() || pps.empty()) return std::nullopt;
  const auto parsed = parse_hevc_sps(sps.front());
  if (!parsed || parsed->bit_depth_luma > 15 || parsed->bit_depth_chroma > 15) return std::nullopt;
  const std::vector<uint8_t> rbsp = unescape_rbsp(sps.front().subspan(2));
  if (rbsp.size() < kSpsHeadBytes) return std::nullopt;
  const unsigned max_sub_layers_minus1 = (rbsp[0] >> 1) & 0x07;
  const bool temporal_id_nested = (rbsp[0] & 0x01) != 0;

  std::vector<uint8_t> out;
  out.push_back(1);  // configurationVersion
  out.insert(out.end(), rbsp.begin() + 1, rbsp.begin() + kSpsHeadBytes);
  out.push_back(0xf0);  // reserved 1111, min_spatial_segmentation_idc 0 (unknown)
  out.push_back(0x00);
  out.push_back(0xfc);  // reserved 111111, parallelismType 0 (unknown)
  out.push_back(static_cast<uint8_t>(0xfc | parsed->chroma_format_idc));
  out.push_back(static_cast<uint8_t>(0xf8 | (parsed->bit_depth_luma - 8)));
  out.push_back(static_cast<uint8_t>(0xf8 | (parsed->bit_depth_chroma - 8)));
  out.push_back(0);  // avgFrameRate 0 (unspecified)
  out.push_back(0);
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
  out.push_back(static_cast<uint8_t>(((max_sub_layers_minus1 + 1) << 3) |
                                     (temporal_id_nested ? 0x04 : 0) | 0x03));
  out.push_back(3);  // numOfArrays
  if (!append_array(out, kNalVps, vps) || !append_array(out, kNalSps, sps) ||
      !append_array(out, kNalPps, pps)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace rtmp::media
