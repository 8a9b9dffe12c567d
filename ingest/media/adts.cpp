#include "ingest/media/adts.hpp"

namespace rtmp::media {
namespace {

constexpr std::array<uint32_t, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                   22050, 16000, 12000, 11025, 8000,  7350};

}  // namespace

std::optional<AdtsHeader> parse_adts_header(std::span<const uint8_t> data) {
  if (data.size() < 7) return std::nullopt;
  if (data[0] != 0xff || (data[1] & 0xf6) != 0xf0) return std::nullopt;  // sync, layer 0
  AdtsHeader h;
  const bool crc = (data[1] & 0x01) == 0;  // protection_absent == 0
  h.header_size = crc ? 9 : 7;
  h.object_type = static_cast<uint8_t>((data[2] >> 6) + 1);
  h.sampling_index = (data[2] >> 2) & 0x0f;
  if (h.sampling_index >= kSampleRates.size()) return std::nullopt;
  h.sample_rate = kSampleRates[h.sampling_index];
  h.channel_config = static_cast<uint8_t>(((data[2] & 0x01) << 2) | (data[3] >> 6));
  h.frame_length = (size_t{data[3] & 0x03u} << 11) | (size_t{data[4]} << 3) | (data[5] >> 5);
  h.raw_blocks = static_cast<uint8_t>((data[6] & 0x03) + 1);
  if (h.frame_length <= h.header_size) return std::nullopt;
  return h;
}

std::array<uint8_t, 2> adts_audio_specific_config(const AdtsHeader& header) {
  // audioObjectType(5) samplingFrequencyIndex(4) channelConfiguration(4)
  // frameLengthFlag, dependsOnCoreCoder, extensionFlag (all 0).
  const unsigned bits = (unsigned{header.object_type} << 11) |
                        (unsigned{header.sampling_index} << 7) |
                        (unsigned{header.channel_config} << 3);
  return {static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits)};
}

}  // namespace rtmp::media
