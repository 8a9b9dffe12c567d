#include "ingest/media/codec_info.hpp"

#include <cmath>

#include "ingest/media/aac_config.hpp"
#include "ingest/media/ac3_header.hpp"
#include "ingest/media/av1_config.hpp"
#include "ingest/media/flac_stream_info.hpp"
#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/media/h264_sps.hpp"
#include "ingest/media/hevc_config.hpp"
#include "ingest/media/legacy_video_header.hpp"
#include "ingest/media/mpeg_audio_header.hpp"
#include "ingest/media/opus_head.hpp"
#include "ingest/media/vpx_config.hpp"

namespace rtmp::media {
namespace {

using events::CodecDetected;

std::optional<std::string> non_empty(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

CodecDetected detected(std::string media, std::string codec) {
  CodecDetected out;
  out.media = std::move(media);
  out.codec = std::move(codec);
  return out;
}

std::optional<CodecDetected> describe_h264(std::span<const uint8_t> record) {
  const auto sps = parse_avc_decoder_config(record);
  if (!sps) return std::nullopt;
  CodecDetected out = detected("video", "H264");
  out.width = sps->width;
  out.height = sps->height;
  out.fps = sps->fps;
  out.profile = non_empty(h264_profile_name(*sps));
  out.level = non_empty(h264_level_name(*sps));
  return out;
}

std::optional<CodecDetected> describe_h265(std::span<const uint8_t> record) {
  const auto config = parse_hevc_decoder_config(record);
  if (!config) return std::nullopt;
  CodecDetected out = detected("video", "H265");
  out.width = config->width;
  out.height = config->height;
  out.fps = config->fps;
  out.profile = non_empty(hevc_profile_name(config->ptl));
  out.level = non_empty(hevc_level_name(config->ptl.level_idc));
  return out;
}

std::optional<CodecDetected> describe_av1(std::span<const uint8_t> record) {
  const auto config = parse_av1_config(record);
  if (!config) return std::nullopt;
  CodecDetected out = detected("video", "AV1");
  out.profile = non_empty(av1_profile_name(config->seq_profile));
  out.level = non_empty(av1_level_name(config->seq_level_idx));
  if (const auto& header = config->sequence_header) {
    out.width = header->max_width;
    out.height = header->max_height;
    out.fps = header->fps;
  }
  return out;
}

std::optional<CodecDetected> describe_vp9(std::span<const uint8_t> record) {
  const auto config = parse_vpc_config(record);
  if (!config) return std::nullopt;
  CodecDetected out = detected("video", "VP9");
  out.profile = vp9_profile_name(config->profile);
  out.level = non_empty(vp9_level_name(config->level));
  return out;
}

std::optional<CodecDetected> describe_vp8(std::span<const uint8_t> frame) {
  const auto key = parse_vp8_key_frame(frame);
  if (!key) return std::nullopt;
  CodecDetected out = detected("video", "VP8");
  out.width = key->width;
  out.height = key->height;
  out.profile = std::to_string(key->version);
  return out;
}

// Legacy codecs have no sequence header: their frames state the size.
CodecDetected describe_legacy_frame(const std::string& codec, std::span<const uint8_t> frame) {
  CodecDetected out = detected("video", codec);
  std::optional<PictureSize> size;
  if (codec == "H263") size = parse_h263_picture_size(frame);
  if (codec == "ScreenVideo" || codec == "ScreenVideo2") size = parse_screen_video_size(frame);
  if (size) {
    out.width = size->width;
    out.height = size->height;
  }
  return out;
}

std::optional<CodecDetected> describe_video_packet(const VideoPacket& packet) {
  const std::string& codec = packet.tag.codec;
  if (packet.tag.command_frame || codec.empty()) return std::nullopt;
  if (packet.packet_type == VideoPacketType::kSequenceStart) {
    if (codec == "H264") return describe_h264(packet.body);
    if (codec == "H265") return describe_h265(packet.body);
    if (codec == "AV1") return describe_av1(packet.body);
    if (codec == "VP9") return describe_vp9(packet.body);
    return detected("video", codec);
  }
  if (!packet.coded_frames()) return std::nullopt;
  if (codec == "VP8") return describe_vp8(packet.body);
  // Codecs with a configuration record are described by it, not by frames.
  if (codec == "H264" || codec == "H265" || codec == "AV1" || codec == "VP9") return std::nullopt;
  return describe_legacy_frame(codec, packet.body);
}

void set_audio(CodecDetected& out, uint32_t sample_rate, uint32_t channels) {
  if (sample_rate != 0) out.sample_rate = sample_rate;
  if (channels != 0) out.channels = channels;
}

std::optional<CodecDetected> describe_audio_config(const AudioPacket& packet) {
  const std::string& codec = packet.tag.codec;
  CodecDetected out = detected("audio", codec);
  if (codec == "AAC") {
    const auto asc = parse_aac_config(packet.body);
    if (!asc) return std::nullopt;
    set_audio(out, asc->sample_rate, asc->channels);
    out.profile = non_empty(aac_profile_name(*asc));
  } else if (codec == "Opus") {
    const auto head = parse_opus_head(packet.body);
    if (!head) return std::nullopt;
    set_audio(out, head->input_sample_rate != 0 ? head->input_sample_rate : 48000, head->channels);
  } else if (codec == "FLAC") {
    const auto info = parse_flac_stream_info(packet.body);
    if (!info) return std::nullopt;
    set_audio(out, info->sample_rate, info->channels);
  }
  return out;
}

std::optional<CodecDetected> describe_audio_frame(const AudioPacket& packet) {
  const std::string& codec = packet.tag.codec;
  CodecDetected out = detected("audio", codec);
  if (codec == "MP3") {
    if (const auto header = parse_mpeg_audio_header(packet.body)) {
      set_audio(out, header->sample_rate, header->channels);
      return out;
    }
    if (packet.tag.enhanced) return std::nullopt;
  } else if (codec == "AC3" || codec == "EAC3") {
    const auto header = parse_ac3_header(packet.body);
    if (!header) return std::nullopt;
    set_audio(out, header->sample_rate, header->channels);
    return out;
  } else if (codec == "AAC" || codec == "Opus" || codec == "FLAC") {
    return std::nullopt;  // described by their sequence start
  }
  out.sample_rate = packet.tag.sample_rate;
  out.channels = packet.tag.channels;
  return out;
}

}  // namespace

VideoTag inspect_video(std::span<const uint8_t> payload) {
  return parse_video_packet(payload).tag;
}

AudioTag inspect_audio(std::span<const uint8_t> payload) {
  return parse_audio_packet(payload).tag;
}

std::optional<events::CodecDetected> describe_video(std::span<const uint8_t> payload,
                                                    std::optional<double> fps_hint) {
  const VideoPacket packet = parse_video_packet(payload);
  if (!packet.tag.valid) return std::nullopt;
  auto out = describe_video_packet(packet);
  if (out && !out->fps && fps_hint && std::isfinite(*fps_hint) && *fps_hint > 0) {
    out->fps = fps_hint;
  }
  // NTSC rates are ratios (30000/1001): 29.97, not 29.97002997002997; three
  // decimals keep 23.976 apart from 23.98.
  if (out && out->fps) out->fps = std::round(*out->fps * 1000.0) / 1000.0;
  return out;
}

std::optional<events::CodecDetected> describe_audio(std::span<const uint8_t> payload) {
  const AudioPacket packet = parse_audio_packet(payload);
  if (!packet.tag.valid || packet.tag.codec.empty()) return std::nullopt;
  if (packet.packet_type == AudioPacketType::kSequenceStart) return describe_audio_config(packet);
  if (packet.coded_frames()) return describe_audio_frame(packet);
  return std::nullopt;
}

}  // namespace rtmp::media
