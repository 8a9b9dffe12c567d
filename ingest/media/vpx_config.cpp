#include "ingest/media/vpx_config.hpp"

#include "ingest/media/byte_reader.hpp"
#include "ingest/media/level_name.hpp"

namespace rtmp::media {

std::optional<VpcConfig> parse_vpc_config(std::span<const uint8_t> record) {
  // Version 1, flags 0 can only be the FullBox header: a bare record's third
  // byte holds bitDepth, never 0.
  if (record.size() >= 12 && record[0] == 1 && record[1] == 0 && record[2] == 0 && record[3] == 0) {
    record = record.subspan(4);
  }
  ByteReader r(record);
  VpcConfig config;
  config.profile = r.u8();
  config.level = r.u8();
  config.bit_depth = r.u8() >> 4;
  r.skip(3);  // colour primaries, transfer, matrix
  if (!r.ok() || config.profile > 3) return std::nullopt;
  if (config.bit_depth != 8 && config.bit_depth != 10 && config.bit_depth != 12) {
    return std::nullopt;
  }
  return config;
}

std::string vp9_profile_name(uint8_t profile) {
  return "Profile " + std::to_string(profile);
}

std::string vp9_level_name(uint8_t level) {
  if (level == 0) return "";
  return level_name(level / 10u, level % 10u);
}

std::optional<Vp8KeyFrame> parse_vp8_key_frame(std::span<const uint8_t> frame) {
  ByteReader r(frame);
  const auto tag = r.bytes(3);
  const auto start_code = r.bytes(3);
  const auto sizes = r.bytes(4);
  if (!r.ok() || (tag[0] & 0x01) != 0) return std::nullopt;  // not a key frame
  if (start_code[0] != 0x9d || start_code[1] != 0x01 || start_code[2] != 0x2a) {
    return std::nullopt;
  }
  Vp8KeyFrame out;
  out.version = (tag[0] >> 1) & 0x07;
  out.width = (sizes[0] | (sizes[1] << 8)) & 0x3fff;
  out.height = (sizes[2] | (sizes[3] << 8)) & 0x3fff;
  if (out.width == 0 || out.height == 0) return std::nullopt;
  return out;
}

}  // namespace rtmp::media
