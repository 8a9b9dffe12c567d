#include "ingest/media/hevc_sps.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "ingest/media/rbsp.hpp"

namespace rtmp::media {
namespace {

constexpr unsigned kNalVps = 32;
constexpr unsigned kNalSps = 33;
constexpr uint32_t kMaxShortTermRps = 64;

std::optional<std::vector<uint8_t>> rbsp_of(std::span<const uint8_t> nal, unsigned type) {
  if (nal.size() < 3 || (nal[0] & 0x80) != 0 || ((nal[0] >> 1) & 0x3f) != type) {
    return std::nullopt;
  }
  return unescape_rbsp(nal.subspan(2));
}

void skip_sub_layer_ordering(BitReader& br, unsigned max_sub_layers_minus1) {
  const bool all = br.flag();
  for (unsigned i = all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1 && br.ok(); ++i) {
    br.ue();  // max_dec_pic_buffering_minus1
    br.ue();  // max_num_reorder_pics
    br.ue();  // max_latency_increase_plus1
  }
}

// scaling_list_data() of 7.3.4.
bool skip_scaling_list_data(BitReader& br) {
  for (unsigned size_id = 0; size_id < 4; ++size_id) {
    for (unsigned matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!br.flag()) {  // scaling_list_pred_mode_flag
        br.ue();         // scaling_list_pred_matrix_id_delta
        continue;
      }
      const unsigned coefs = std::min(64u, 1u << (4 + (size_id << 1)));
      if (size_id > 1) br.se();  // scaling_list_dc_coef_minus8
      for (unsigned i = 0; i < coefs && br.ok(); ++i) br.se();
      if (!br.ok()) return false;
    }
  }
  return br.ok();
}

// st_ref_pic_set() of 7.3.7 as it appears in the SPS; records NumDeltaPocs.
bool skip_short_term_rps(BitReader& br, uint32_t idx, std::array<uint32_t, 65>& num_delta_pocs) {
  if (idx != 0 && br.flag()) {     // inter_ref_pic_set_prediction_flag
    br.skip(1);                    // delta_rps_sign
    br.ue();                       // abs_delta_rps_minus1
    const uint32_t ref = idx - 1;  // delta_idx_minus1 is 0 inside the SPS
    uint32_t count = 0;
    for (uint32_t j = 0; j <= num_delta_pocs[ref] && br.ok(); ++j) {
      const bool used = br.flag();
      const bool use_delta = used ? true : br.flag();
      if (used || use_delta) ++count;
    }
    num_delta_pocs[idx] = count;
    return br.ok() && count <= 32;
  }
  const uint32_t negative = br.ue();
  const uint32_t positive = br.ue();
  if (negative > 16 || positive > 16) return false;
  for (uint32_t i = 0; i < negative + positive && br.ok(); ++i) {
    br.ue();     // delta_poc_minus1
    br.skip(1);  // used_by_curr_pic_flag
  }
  num_delta_pocs[idx] = negative + positive;
  return br.ok();
}

// From log2_max_pic_order_cnt_lsb_minus4 through vui_parameters_present_flag.
bool skip_to_vui(BitReader& br, unsigned max_sub_layers_minus1) {
  const uint32_t log2_max_poc_lsb = br.ue() + 4;
  if (log2_max_poc_lsb > 16) return false;
  skip_sub_layer_ordering(br, max_sub_layers_minus1);
  for (int i = 0; i < 6; ++i) br.ue();  // coding/transform block sizes and depths
  if (br.flag() && br.flag() && !skip_scaling_list_data(br)) return false;
  br.skip(2);       // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (br.flag()) {  // pcm_enabled_flag
    br.skip(8);     // pcm sample bit depths
    br.ue();
    br.ue();
    br.skip(1);  // pcm_loop_filter_disabled_flag
  }
  const uint32_t num_rps = br.ue();
  if (!br.ok() || num_rps > kMaxShortTermRps) return false;
  std::array<uint32_t, 65> num_delta_pocs{};
  for (uint32_t i = 0; i < num_rps; ++i) {
    if (!skip_short_term_rps(br, i, num_delta_pocs)) return false;
  }
  if (br.flag()) {  // long_term_ref_pics_present_flag
    const uint32_t num_lt = br.ue();
    if (num_lt > 32) return false;
    for (uint32_t i = 0; i < num_lt && br.ok(); ++i) br.skip(log2_max_poc_lsb + 1);
  }
  br.skip(2);  // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  return br.ok();
}

// vui_parameters() of E.2.1 up to vui_timing_info.
std::optional<double> parse_vui_fps(BitReader& br) {
  if (br.flag() && br.bits(8) == 255) br.skip(32);  // aspect ratio, Extended_SAR
  if (br.flag()) br.skip(1);                        // overscan
  if (br.flag()) {                                  // video_signal_type_present_flag
    br.skip(4);
    if (br.flag()) br.skip(24);  // colour_description
  }
  if (br.flag()) {  // chroma_loc_info_present_flag
    br.ue();
    br.ue();
  }
  br.skip(3);       // neutral_chroma_indication, field_seq, frame_field_info_present
  if (br.flag()) {  // default_display_window_flag
    for (int i = 0; i < 4; ++i) br.ue();
  }
  if (!br.flag()) return std::nullopt;  // vui_timing_info_present_flag
  const uint32_t num_units_in_tick = br.bits(32);
  const uint32_t time_scale = br.bits(32);
  if (!br.ok() || num_units_in_tick == 0 || time_scale == 0) return std::nullopt;
  return static_cast<double>(time_scale) / num_units_in_tick;
}

}  // namespace

bool parse_profile_tier_level(BitReader& br, unsigned max_sub_layers_minus1,
                              HevcProfileTierLevel& out) {
  out.profile_space = static_cast<uint8_t>(br.bits(2));
  out.tier = br.flag();
  out.profile_idc = static_cast<uint8_t>(br.bits(5));
  out.compatibility_flags = br.bits(32);
  br.skip(48);  // progressive/interlaced/non-packed/frame-only + 44 constraint bits
  out.level_idc = static_cast<uint8_t>(br.bits(8));
  std::array<bool, 8> profile_present{};
  std::array<bool, 8> level_present{};
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.flag();
    level_present[i] = br.flag();
  }
  if (max_sub_layers_minus1 > 0) br.skip(2 * (8 - max_sub_layers_minus1));  // reserved
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) br.skip(88);
    if (level_present[i]) br.skip(8);
  }
  return br.ok();
}

std::optional<HevcSps> parse_hevc_sps(std::span<const uint8_t> nal) {
  const auto rbsp = rbsp_of(nal, kNalSps);
  if (!rbsp) return std::nullopt;
  BitReader br(*rbsp);
  br.skip(4);  // sps_video_parameter_set_id
  const unsigned max_sub_layers_minus1 = br.bits(3);
  br.skip(1);  // sps_temporal_id_nesting_flag
  HevcSps sps;
  if (max_sub_layers_minus1 > 6 || !parse_profile_tier_level(br, max_sub_layers_minus1, sps.ptl)) {
    return std::nullopt;
  }
  if (br.ue() > 15) return std::nullopt;  // sps_seq_parameter_set_id
  sps.chroma_format_idc = br.ue();
  if (sps.chroma_format_idc > 3) return std::nullopt;
  const bool separate_colour_plane = sps.chroma_format_idc == 3 && br.flag();
  const uint64_t width = br.ue();
  const uint64_t height = br.ue();
  uint64_t left = 0, right = 0, top = 0, bottom = 0;
  if (br.flag()) {  // conformance_window_flag
    left = br.ue();
    right = br.ue();
    top = br.ue();
    bottom = br.ue();
  }
  const uint32_t luma_minus8 = br.ue();
  const uint32_t chroma_minus8 = br.ue();
  if (!br.ok() || luma_minus8 > 8 || chroma_minus8 > 8) return std::nullopt;
  sps.bit_depth_luma = luma_minus8 + 8;
  sps.bit_depth_chroma = chroma_minus8 + 8;

  const uint32_t chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  const uint64_t sub_width = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const uint64_t sub_height = chroma_array_type == 1 ? 2 : 1;
  const uint64_t cut_x = sub_width * (left + right);
  const uint64_t cut_y = sub_height * (top + bottom);
  if (width == 0 || height == 0 || width > 65536 || height > 65536 || cut_x >= width ||
      cut_y >= height) {
    return std::nullopt;
  }
  sps.width = static_cast<uint32_t>(width - cut_x);
  sps.height = static_cast<uint32_t>(height - cut_y);

  // Timing lives deep in the VUI; a failure past this point only loses fps.
  if (skip_to_vui(br, max_sub_layers_minus1) && br.flag()) sps.fps = parse_vui_fps(br);
  return sps;
}

std::optional<double> parse_hevc_vps_fps(std::span<const uint8_t> nal) {
  const auto rbsp = rbsp_of(nal, kNalVps);
  if (!rbsp) return std::nullopt;
  BitReader br(*rbsp);
  br.skip(4 + 2 + 6);  // vps id, base layer flags, vps_max_layers_minus1
  const unsigned max_sub_layers_minus1 = br.bits(3);
  br.skip(1 + 16);  // temporal id nesting, reserved 0xffff
  HevcProfileTierLevel ptl;
  if (max_sub_layers_minus1 > 6 || !parse_profile_tier_level(br, max_sub_layers_minus1, ptl)) {
    return std::nullopt;
  }
  skip_sub_layer_ordering(br, max_sub_layers_minus1);
  const uint32_t max_layer_id = br.bits(6);
  const uint32_t num_layer_sets_minus1 = br.ue();
  if (!br.ok() || num_layer_sets_minus1 > 1023) return std::nullopt;
  br.skip(static_cast<size_t>(num_layer_sets_minus1) * (max_layer_id + 1));
  if (!br.flag()) return std::nullopt;  // vps_timing_info_present_flag
  const uint32_t num_units_in_tick = br.bits(32);
  const uint32_t time_scale = br.bits(32);
  if (!br.ok() || num_units_in_tick == 0 || time_scale == 0) return std::nullopt;
  return static_cast<double>(time_scale) / num_units_in_tick;
}

}  // namespace rtmp::media
