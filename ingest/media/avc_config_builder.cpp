#include "ingest/media/avc_config_builder.hpp"

#include "ingest/media/h264_sps.hpp"

namespace rtmp::media {
namespace {

// Profiles whose record ends with chroma format, bit depths and SPS
// extensions: all but Baseline, Main and Extended (14496-15 since 2017, and
// what ffmpeg writes, High 4:4:4 Predictive included).
bool has_extension(uint8_t profile_idc) {
  return profile_idc != 66 && profile_idc != 77 && profile_idc != 88;
}

void append_u16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

bool append_sets(std::vector<uint8_t>& out, const NalList& nals, size_t max_count) {
  if (nals.size() > max_count) return false;
  for (const auto& nal : nals) {
    if (nal.size() > 0xffff) return false;
    append_u16(out, nal.size());
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return true;
}

}  // namespace

std::optional<std::vector<uint8_t>> build_avc_decoder_config(const NalList& sps, const NalList& pps,
                                                             const NalList& sps_ext) {
  if (sps.empty() || pps.empty()) return std::nullopt;
  const auto first = parse_h264_sps(sps.front());
  if (!first) return std::nullopt;
  std::vector<uint8_t> out;
  out.push_back(1);  // configurationVersion
  out.push_back(first->profile_idc);
  out.push_back(first->constraint_flags);  // profile_compatibility
  out.push_back(first->level_idc);
  out.push_back(0xff);  // reserved 111111, lengthSizeMinusOne 3
  out.push_back(static_cast<uint8_t>(0xe0 | sps.size()));
  if (!append_sets(out, sps, 31)) return std::nullopt;
  out.push_back(static_cast<uint8_t>(pps.size()));
  if (!append_sets(out, pps, 255)) return std::nullopt;
  if (has_extension(first->profile_idc)) {
    out.push_back(static_cast<uint8_t>(0xfc | first->chroma_format_idc));
    out.push_back(static_cast<uint8_t>(0xf8 | (first->bit_depth_luma - 8)));
    out.push_back(static_cast<uint8_t>(0xf8 | (first->bit_depth_chroma - 8)));
    out.push_back(static_cast<uint8_t>(sps_ext.size()));
    if (!append_sets(out, sps_ext, 255)) return std::nullopt;
  }
  return out;
}

}  // namespace rtmp::media
