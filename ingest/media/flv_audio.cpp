#include "ingest/media/flv_audio.hpp"

#include <array>
#include <string_view>

#include "ingest/media/byte_reader.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kFormatAac = 10;
constexpr uint8_t kFormatExHeader = 9;
constexpr uint8_t kMultitrackOneTrack = 0;
constexpr uint8_t kMultitrackManyCodecs = 2;
constexpr std::array<uint32_t, 4> kLegacyRates = {5512, 11025, 22050, 44100};

const char* legacy_codec_name(uint8_t format) {
  switch (format) {
    case 0:
    case 3:
      return "PCM";
    case 1:
      return "ADPCM";
    case 2:
    case 14:
      return "MP3";
    case 4:
    case 5:
    case 6:
      return "Nellymoser";
    case 7:
      return "G711A";
    case 8:
      return "G711U";
    case kFormatAac:
      return "AAC";
    case 11:
      return "Speex";
    default:
      return "";
  }
}

std::string fourcc_codec_name(std::span<const uint8_t> fourcc) {
  const std::string_view cc(reinterpret_cast<const char*>(fourcc.data()), fourcc.size());
  if (cc == "Opus") return "Opus";
  if (cc == "fLaC") return "FLAC";
  if (cc == "ac-3") return "AC3";
  if (cc == "ec-3") return "EAC3";
  if (cc == "mp4a") return "AAC";
  if (cc == ".mp3") return "MP3";
  return "";
}

AudioPacket parse_legacy(ByteReader& r, uint8_t first) {
  AudioPacket out;
  const uint8_t format = first >> 4;
  out.tag.codec = legacy_codec_name(format);  // reserved formats: "" but valid
  // Formats whose rate/channels are fixed whatever the header bits say.
  switch (format) {
    case 4:
      out.tag.sample_rate = 16000;
      break;
    case 5:
    case 7:
    case 8:
    case 14:
      out.tag.sample_rate = 8000;
      break;
    case 11:
      out.tag.sample_rate = 16000;
      break;
    default:
      out.tag.sample_rate = kLegacyRates[(first >> 2) & 0x03];
      break;
  }
  const bool fixed_mono = format == 4 || format == 5 || format == 11;
  out.tag.channels = fixed_mono ? 1u : ((first & 0x01) ? 2u : 1u);
  if (format == kFormatAac) {
    const uint8_t packet_type = r.u8();
    if (!r.ok() || packet_type > 1) return out;
    out.packet_type = static_cast<AudioPacketType>(packet_type);
    out.tag.sequence_header = packet_type == 0;
  }
  out.body = r.rest();
  out.tag.valid = r.ok();
  return out;
}

AudioPacket parse_enhanced(ByteReader& r, uint8_t first) {
  AudioPacket out;
  out.tag.enhanced = true;
  uint8_t packet_type = first & 0x0f;
  while (packet_type == static_cast<uint8_t>(AudioPacketType::kModEx) && r.ok()) {
    size_t size = r.u8() + 1u;
    if (size == 256) size = r.u16() + 1u;
    r.skip(size);
    packet_type = r.u8() & 0x0f;  // low nibble: the real packet type
  }
  bool multitrack = false;
  uint8_t multitrack_type = 0;
  if (packet_type == static_cast<uint8_t>(AudioPacketType::kMultitrack)) {
    multitrack = true;
    const uint8_t byte = r.u8();
    multitrack_type = byte >> 4;
    packet_type = byte & 0x0f;
    if (multitrack_type > kMultitrackManyCodecs) return out;
  }
  if (!r.ok() || packet_type == 3 || packet_type > 4) return out;
  out.packet_type = static_cast<AudioPacketType>(packet_type);
  out.tag.sequence_header = out.packet_type == AudioPacketType::kSequenceStart;
  if (!multitrack || multitrack_type != kMultitrackManyCodecs) {
    out.tag.codec = fourcc_codec_name(r.bytes(4));
  }
  if (multitrack) {
    if (multitrack_type == kMultitrackManyCodecs) out.tag.codec = fourcc_codec_name(r.bytes(4));
    out.track = r.u8();
    if (multitrack_type != kMultitrackOneTrack) {
      const uint32_t size = r.u24();
      ByteReader track(r.bytes(size));
      if (!r.ok()) return out;
      r = track;
    }
  }
  out.body = r.rest();
  out.tag.valid = r.ok();
  return out;
}

}  // namespace

AudioPacket parse_audio_packet(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  const uint8_t first = r.u8();
  if (!r.ok()) return {};
  AudioPacket out =
      (first >> 4) == kFormatExHeader ? parse_enhanced(r, first) : parse_legacy(r, first);
  if (!out.tag.valid) return AudioPacket{};
  return out;
}

}  // namespace rtmp::media
