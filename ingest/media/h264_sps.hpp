#pragma once
// H.264 sequence parameter set (ISO 14496-10 7.3.2.1.1) and the
// AVCDecoderConfigurationRecord (ISO 14496-15 5.3.3.1) that carries it in
// FLV/RTMP sequence headers. Only what codec_detected reports is kept.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace rtmp::media {

struct H264Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 in the high bits
  uint8_t level_idc = 0;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  bool frame_mbs_only = true;
  uint32_t width = 0;         // after frame cropping
  uint32_t height = 0;        // after frame cropping
  std::optional<double> fps;  // VUI time_scale / (2 * num_units_in_tick)
};

// nal: one SPS NAL unit including its header byte, still escaped.
std::optional<H264Sps> parse_h264_sps(std::span<const uint8_t> nal);

// record: an AVCDecoderConfigurationRecord; parses its first SPS.
std::optional<H264Sps> parse_avc_decoder_config(std::span<const uint8_t> record);

// "Baseline", "Constrained Baseline", "Main", "High", "High 10 Intra", ...: by
// profile_idc and the constraint flags, named as ffprobe names them.
std::string h264_profile_name(const H264Sps& sps);
// "3.1", "4", "1b".
std::string h264_level_name(const H264Sps& sps);

}  // namespace rtmp::media
