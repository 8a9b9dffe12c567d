#include "ingest/media/av1_config.hpp"

#include "ingest/media/bit_reader.hpp"
#include "ingest/media/byte_reader.hpp"
#include "ingest/media/level_name.hpp"

namespace rtmp::media {
namespace {

constexpr uint8_t kObuSequenceHeader = 1;

// leb128() of AV1 4.10.5: at most 8 bytes, value below 2^32.
std::optional<uint64_t> read_leb128(ByteReader& r) {
  uint64_t value = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const uint8_t byte = r.u8();
    if (!r.ok()) return std::nullopt;
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) {
      if (value > UINT32_MAX) return std::nullopt;
      return value;
    }
  }
  return std::nullopt;
}

// timing_info() and decoder_model_info() of 5.5.3/5.5.4; returns
// buffer_delay_length_minus_1 + 1 when the decoder model is present, else 0.
unsigned parse_timing(BitReader& br, Av1SequenceHeader& out) {
  const uint32_t num_units_in_display_tick = br.bits(32);
  const uint32_t time_scale = br.bits(32);
  if (br.flag()) {  // equal_picture_interval
    const uint32_t ticks_minus1 = br.uvlc();
    if (br.ok() && num_units_in_display_tick != 0 && time_scale != 0 &&
        ticks_minus1 != UINT32_MAX) {
      out.fps = static_cast<double>(time_scale) /
                (static_cast<double>(num_units_in_display_tick) * (ticks_minus1 + 1.0));
    }
  }
  if (!br.flag()) return 0;  // decoder_model_info_present_flag
  const unsigned buffer_delay_length = br.bits(5) + 1;
  br.skip(32 + 5 + 5);  // num_units_in_decoding_tick, two length fields
  return buffer_delay_length;
}

}  // namespace

std::optional<Av1SequenceHeader> parse_av1_sequence_header(std::span<const uint8_t> payload) {
  BitReader br(payload);
  Av1SequenceHeader out;
  out.seq_profile = static_cast<uint8_t>(br.bits(3));
  br.skip(1);       // still_picture
  if (br.flag()) {  // reduced_still_picture_header
    out.seq_level_idx = static_cast<uint8_t>(br.bits(5));
  } else {
    unsigned decoder_model_delay_bits = 0;
    if (br.flag()) decoder_model_delay_bits = parse_timing(br, out);  // timing_info_present
    const bool initial_display_delay_present = br.flag();
    const unsigned operating_points = br.bits(5) + 1;
    for (unsigned i = 0; i < operating_points && br.ok(); ++i) {
      br.skip(12);  // operating_point_idc
      const auto level = static_cast<uint8_t>(br.bits(5));
      if (i == 0) out.seq_level_idx = level;
      if (level > 7) br.skip(1);  // seq_tier
      if (decoder_model_delay_bits != 0 && br.flag()) {
        br.skip(2 * decoder_model_delay_bits + 1);  // operating_parameters_info
      }
      if (initial_display_delay_present && br.flag()) br.skip(4);
    }
  }
  const unsigned width_bits = br.bits(4) + 1;
  const unsigned height_bits = br.bits(4) + 1;
  out.max_width = br.bits(width_bits) + 1;
  out.max_height = br.bits(height_bits) + 1;
  if (!br.ok() || out.seq_profile > 2) return std::nullopt;
  return out;
}

std::optional<Av1Config> parse_av1_config(std::span<const uint8_t> record) {
  ByteReader r(record);
  const uint8_t marker_version = r.u8();
  const uint8_t profile_level = r.u8();
  const uint8_t flags = r.u8();
  r.skip(1);  // presentation delay
  if (!r.ok() || marker_version != 0x81) return std::nullopt;
  Av1Config config;
  config.seq_profile = profile_level >> 5;
  config.seq_level_idx = profile_level & 0x1f;
  config.tier = (flags & 0x80) != 0;

  while (r.remaining() > 0 && !config.sequence_header) {
    const uint8_t header = r.u8();
    if ((header & 0x80) != 0) break;  // obu_forbidden_bit
    const uint8_t type = (header >> 3) & 0x0f;
    if (header & 0x04) r.skip(1);  // obu_extension_flag
    std::optional<uint64_t> size = r.remaining();
    if (header & 0x02) size = read_leb128(r);  // obu_has_size_field
    if (!size || !r.ok()) break;
    const auto payload = r.bytes(static_cast<size_t>(*size));
    if (!r.ok()) break;
    if (type == kObuSequenceHeader) config.sequence_header = parse_av1_sequence_header(payload);
  }
  return config;
}

std::string av1_profile_name(uint8_t seq_profile) {
  switch (seq_profile) {
    case 0:
      return "Main";
    case 1:
      return "High";
    case 2:
      return "Professional";
    default:
      return "";
  }
}

std::string av1_level_name(uint8_t seq_level_idx) {
  if (seq_level_idx >= 24) return "";  // reserved, or 31 = no level constraint
  return level_name(2u + (seq_level_idx >> 2), seq_level_idx & 3u);
}

}  // namespace rtmp::media
