#include "ingest/media/mpeg_audio_header.hpp"

#include <array>

namespace rtmp::media {

std::optional<MpegAudioHeader> parse_mpeg_audio_header(std::span<const uint8_t> frame) {
  if (frame.size() < 4 || frame[0] != 0xff || (frame[1] & 0xe0) != 0xe0) return std::nullopt;
  const unsigned version = (frame[1] >> 3) & 0x03;  // 0 = 2.5, 1 reserved, 2 = 2, 3 = 1
  const unsigned layer_bits = (frame[1] >> 1) & 0x03;
  const unsigned bitrate_index = frame[2] >> 4;
  const unsigned rate_index = (frame[2] >> 2) & 0x03;
  if (version == 1 || layer_bits == 0 || bitrate_index == 15 || rate_index == 3) {
    return std::nullopt;
  }
  static constexpr std::array<uint32_t, 3> kMpeg1Rates = {44100, 48000, 32000};
  const unsigned divisor = version == 3 ? 1 : (version == 2 ? 2 : 4);
  MpegAudioHeader out;
  out.layer = static_cast<uint8_t>(4 - layer_bits);
  out.sample_rate = kMpeg1Rates[rate_index] / divisor;
  out.channels = (frame[3] >> 6) == 3 ? 1 : 2;
  return out;
}

}  // namespace rtmp::media
