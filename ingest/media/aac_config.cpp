#include "ingest/media/aac_config.hpp"

#include <array>

#include "ingest/media/bit_reader.hpp"

namespace rtmp::media {
namespace {

constexpr uint32_t kSbr = 5;
constexpr uint32_t kPs = 29;
constexpr uint16_t kSyncExtensionSbr = 0x2b7;
constexpr uint16_t kSyncExtensionPs = 0x548;

constexpr std::array<uint32_t, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                   22050, 16000, 12000, 11025, 8000,  7350};

uint32_t read_object_type(BitReader& br) {
  const uint32_t type = br.bits(5);
  return type == 31 ? 32 + br.bits(6) : type;
}

// samplingFrequencyIndex, or the explicit 24-bit rate after index 15.
std::optional<uint32_t> read_sample_rate(BitReader& br) {
  const uint32_t index = br.bits(4);
  if (index == 15) {
    const uint32_t rate = br.bits(24);
    return br.ok() && rate != 0 ? std::optional<uint32_t>(rate) : std::nullopt;
  }
  if (!br.ok() || index >= kSampleRates.size()) return std::nullopt;
  return kSampleRates[index];
}

// channelConfiguration → channels (Table 1.19; 0 means "see the PCE").
uint32_t channels_of(uint32_t configuration) {
  switch (configuration) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return configuration;
    case 7:
    case 12:
    case 14:
      return 8;
    case 11:
      return 7;
    case 13:
      return 24;
    default:
      return 0;
  }
}

// program_config_element() (4.4.1.1): counts its channels.
uint32_t channels_of_pce(BitReader& br) {
  br.skip(4 + 2 + 4);  // element_instance_tag, object_type, sampling_frequency_index
  const uint32_t front = br.bits(4), side = br.bits(4), back = br.bits(4);
  const uint32_t lfe = br.bits(2);
  br.skip(3 + 4);             // num_assoc_data_elements, num_valid_cc_elements
  if (br.flag()) br.skip(4);  // mono_mixdown
  if (br.flag()) br.skip(4);  // stereo_mixdown
  if (br.flag()) br.skip(3);  // matrix_mixdown
  uint32_t channels = lfe;
  for (uint32_t i = 0; i < front + side + back && br.ok(); ++i) {
    channels += br.flag() ? 2 : 1;  // is_cpe
    br.skip(4);
  }
  return br.ok() ? channels : 0;
}

// GASpecificConfig() for the general audio object types; false if not GA.
bool skip_ga_specific(BitReader& br, uint32_t object_type, uint32_t configuration,
                      uint32_t& pce_channels) {
  switch (object_type) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      break;
    default:
      return false;
  }
  br.skip(1);                  // frameLengthFlag
  if (br.flag()) br.skip(14);  // dependsOnCoreCoder → coreCoderDelay
  const bool extension = br.flag();
  if (configuration == 0) pce_channels = channels_of_pce(br);
  if (object_type == 6 || object_type == 20) br.skip(3);  // layerNr
  if (extension) {
    if (object_type == 22) br.skip(5 + 11);  // numOfSubFrame, layer_length
    if (object_type == 17 || object_type == 19 || object_type == 20 || object_type == 23) {
      br.skip(3);  // resilience flags
    }
    br.skip(1);  // extensionFlag3
  }
  return br.ok();
}

// The backward-compatible (implicit) SBR/PS signalling after the GA config.
void parse_sync_extension(BitReader& br, AacConfig& config) {
  if (br.bits_left() < 16 || br.bits(11) != kSyncExtensionSbr) return;
  if (read_object_type(br) != kSbr || !br.flag()) return;  // sbrPresentFlag
  const auto rate = read_sample_rate(br);
  if (!rate) return;
  config.sbr = true;
  config.sample_rate = *rate;
  if (br.bits_left() >= 12 && br.bits(11) == kSyncExtensionPs && br.flag()) config.ps = true;
}

}  // namespace

std::optional<AacConfig> parse_aac_config(std::span<const uint8_t> asc) {
  BitReader br(asc);
  AacConfig config;
  config.object_type = read_object_type(br);
  const auto rate = read_sample_rate(br);
  const uint32_t configuration = br.bits(4);
  if (!rate || !br.ok() || config.object_type == 0) return std::nullopt;
  config.sample_rate = *rate;
  bool explicit_sbr = false;
  if (config.object_type == kSbr || config.object_type == kPs) {
    explicit_sbr = true;
    config.sbr = true;
    config.ps = config.object_type == kPs;
    const auto extension_rate = read_sample_rate(br);
    if (!extension_rate) return std::nullopt;
    config.sample_rate = *extension_rate;
    config.object_type = read_object_type(br);
    if (config.object_type == 22) br.bits(4);  // extensionChannelConfiguration
    if (!br.ok()) return std::nullopt;
  }
  uint32_t pce_channels = 0;
  const bool ga = skip_ga_specific(br, config.object_type, configuration, pce_channels);
  config.channels = configuration == 0 ? pce_channels : channels_of(configuration);
  if (ga && !explicit_sbr) parse_sync_extension(br, config);
  if (config.ps && config.channels == 1) config.channels = 2;
  return config;
}

std::string aac_profile_name(const AacConfig& config) {
  if (config.ps) return "HE-AACv2";
  if (config.sbr) return "HE-AAC";
  switch (config.object_type) {
    case 1:
      return "Main";
    case 2:
      return "LC";
    case 3:
      return "SSR";
    case 4:
      return "LTP";
    case 23:
      return "LD";
    case 39:
      return "ELD";
    case 42:
      return "xHE-AAC";
    default:
      return "";
  }
}

}  // namespace rtmp::media
