#include "ingest/media/h264_sps.hpp"

#include "ingest/media/bit_reader.hpp"
#include "ingest/media/byte_reader.hpp"
#include "ingest/media/level_name.hpp"
#include "ingest/media/rbsp.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kNalSps = 7;

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists.
bool has_chroma_info(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() of 7.3.2.1.1.1: only its length matters to us.
bool skip_scaling_list(BitReader& br, unsigned size) {
  int last_scale = 8;
  int next_scale = 8;
  for (unsigned j = 0; j < size && br.ok(); ++j) {
    if (next_scale != 0) {
      const int32_t delta = br.se();
      if (delta < -128 || delta > 127) return false;
      next_scale = (last_scale + delta + 256) % 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
  return br.ok();
}

bool parse_chroma_info(BitReader& br, H264Sps& sps, bool& separate_colour_plane) {
  sps.chroma_format_idc = br.ue();
  if (sps.chroma_format_idc > 3) return false;
  if (sps.chroma_format_idc == 3) separate_colour_plane = br.flag();
  const uint32_t luma_minus8 = br.ue();
  const uint32_t chroma_minus8 = br.ue();
  if (luma_minus8 > 6 || chroma_minus8 > 6) return false;
  sps.bit_depth_luma = luma_minus8 + 8;
  sps.bit_depth_chroma = chroma_minus8 + 8;
  br.skip(1);       // qpprime_y_zero_transform_bypass_flag
  if (br.flag()) {  // seq_scaling_matrix_present_flag
    const unsigned lists = sps.chroma_format_idc != 3 ? 8 : 12;
    for (unsigned i = 0; i < lists; ++i) {
      if (br.flag() && !skip_scaling_list(br, i < 6 ? 16 : 64)) return false;
    }
  }
  return br.ok();
}

bool skip_pic_order_cnt(BitReader& br) {
  const uint32_t poc_type = br.ue();
  if (poc_type == 0) {
    if (br.ue() > 12) return false;  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    br.skip(1);  // delta_pic_order_always_zero_flag
    br.se();     // offset_for_non_ref_pic
    br.se();     // offset_for_top_to_bottom_field
    const uint32_t cycle = br.ue();
    if (cycle > 255) return false;
    for (uint32_t i = 0; i < cycle && br.ok(); ++i) br.se();
  } else if (poc_type != 2) {
    return false;
  }
  return br.ok();
}

// VUI up to timing_info (E.1.1); the rest is not needed.
void parse_vui_timing(BitReader& br, H264Sps& sps) {
  if (br.flag()) {                       // aspect_ratio_info_present_flag
    if (br.bits(8) == 255) br.skip(32);  // Extended_SAR: sar_width, sar_height
  }
  if (br.flag()) br.skip(1);     // overscan_info_present_flag → overscan_appropriate
  if (br.flag()) {               // video_signal_type_present_flag
    br.skip(4);                  // video_format, video_full_range_flag
    if (br.flag()) br.skip(24);  // colour primaries, transfer, matrix
  }
  if (br.flag()) {  // chroma_loc_info_present_flag
    br.ue();
    br.ue();
  }
  if (!br.flag()) return;  // timing_info_present_flag
  const uint32_t num_units_in_tick = br.bits(32);
  const uint32_t time_scale = br.bits(32);
  if (br.ok() && num_units_in_tick != 0 && time_scale != 0) {
    sps.fps = static_cast<double>(time_scale) / (2.0 * num_units_in_tick);
  }
}

}  // namespace

std::optional<H264Sps> parse_h264_sps(std::span<const uint8_t> nal) {
  if (nal.size() < 4 || (nal[0] & 0x1f) != kNalSps || (nal[0] & 0x80) != 0) return std::nullopt;
  const std::vector<uint8_t> rbsp = unescape_rbsp(nal.subspan(1));
  BitReader br(rbsp);
  H264Sps sps;
  sps.profile_idc = static_cast<uint8_t>(br.bits(8));
  sps.constraint_flags = static_cast<uint8_t>(br.bits(8));
  sps.level_idc = static_cast<uint8_t>(br.bits(8));
  if (br.ue() > 31) return std::nullopt;  // seq_parameter_set_id
  bool separate_colour_plane = false;
  if (has_chroma_info(sps.profile_idc) && !parse_chroma_info(br, sps, separate_colour_plane)) {
    return std::nullopt;
  }
  if (br.ue() > 12) return std::nullopt;  // log2_max_frame_num_minus4
  if (!skip_pic_order_cnt(br)) return std::nullopt;
  br.ue();     // max_num_ref_frames
  br.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const uint64_t width_mbs = uint64_t{br.ue()} + 1;
  const uint64_t height_map_units = uint64_t{br.ue()} + 1;
  sps.frame_mbs_only = br.flag();
  if (!sps.frame_mbs_only) br.skip(1);  // mb_adaptive_frame_field_flag
  br.skip(1);                           // direct_8x8_inference_flag
  uint64_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (br.flag()) {  // frame_cropping_flag
    crop_left = br.ue();
    crop_right = br.ue();
    crop_top = br.ue();
    crop_bottom = br.ue();
  }
  if (!br.ok()) return std::nullopt;

  const uint64_t field_factor = sps.frame_mbs_only ? 1 : 2;
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  const uint64_t sub_width = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const uint64_t sub_height = chroma_array_type == 1 ? 2 : 1;
  const uint64_t crop_x = chroma_array_type == 0 ? 1 : sub_width;
  const uint64_t crop_y = (chroma_array_type == 0 ? 1 : sub_height) * field_factor;
  const uint64_t full_width = width_mbs * 16;
  const uint64_t full_height = field_factor * height_map_units * 16;
  const uint64_t cut_x = crop_x * (crop_left + crop_right);
  const uint64_t cut_y = crop_y * (crop_top + crop_bottom);
  if (full_width > 65536 || full_height > 65536 || cut_x >= full_width || cut_y >= full_height) {
    return std::nullopt;
  }
  sps.width = static_cast<uint32_t>(full_width - cut_x);
  sps.height = static_cast<uint32_t>(full_height - cut_y);

  if (br.flag()) parse_vui_timing(br, sps);  // vui_parameters_present_flag
  if (!br.ok()) sps.fps.reset();             // truncated VUI: keep what is certain
  return sps;
}

std::optional<H264Sps> parse_avc_decoder_config(std::span<const uint8_t> record) {
  ByteReader r(record);
  const uint8_t version = r.u8();
  r.skip(4);  // profile, compatibility, level, lengthSizeMinusOne
  const uint8_t num_sps = r.u8() & 0x1f;
  if (!r.ok() || version != 1 || num_sps == 0) return std::nullopt;
  const uint16_t length = r.u16();
  const auto nal = r.bytes(length);
  if (!r.ok()) return std::nullopt;
  return parse_h264_sps(nal);
}

std::string h264_profile_name(const H264Sps& sps) {
  // constraint_set1 makes Baseline the Constrained Baseline profile (what
  // libx264 and hardware encoders write); constraint_set3 makes the High
  // 10 / 4:2:2 / 4:4:4 profiles their Intra variants.
  const bool set1 = (sps.constraint_flags & 0x40) != 0;
  const bool set3 = (sps.constraint_flags & 0x10) != 0;
  switch (sps.profile_idc) {
    case 66:
      return set1 ? "Constrained Baseline" : "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return set3 ? "High 10 Intra" : "High 10";
    case 122:
      return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 144:
      return "High 4:4:4";
    case 244:
      return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44:
      return "CAVLC 4:4:4 Intra";
    case 83:
      return "Scalable Baseline";
    case 86:
      return "Scalable High";
    case 118:
      return "Multiview High";
    case 128:
      return "Stereo High";
    case 134:
      return "MFC High";
    case 135:
      return "MFC Depth High";
    case 138:
      return "Multiview Depth High";
    case 139:
      return "Enhanced Multiview Depth High";
    default:
      return "";
  }
}

std::string h264_level_name(const H264Sps& sps) {
  // Level 1b: level_idc 9, or 11 with constraint_set3 in Baseline/Main/Extended.
  const bool set3 = (sps.constraint_flags & 0x10) != 0;
  const bool low_profile = sps.profile_idc == 66 || sps.profile_idc == 77 || sps.profile_idc == 88;
  if (sps.level_idc == 9 || (sps.level_idc == 11 && set3 && low_profile)) return "1b";
  if (sps.level_idc == 0) return "";
  return level_name(sps.level_idc / 10u, sps.level_idc % 10u);
}

}  // namespace rtmp::media
