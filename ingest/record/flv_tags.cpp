#include "ingest/record/flv_tags.hpp"

#include <bit>
#include <cstring>
#include <string_view>

#include "ingest/protocol/amf0.hpp"

namespace rtmp::record {
namespace {

void put_u24(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  put_u24(out, v);
}

// The publisher's properties, minus what a recorded file states itself.
amf0::Properties publisher_properties(std::span<const uint8_t> metadata) {
  amf0::Properties out;
  if (metadata.empty()) return out;
  std::vector<amf0::Value> values;
  if (!amf0::decode_all(metadata, values).empty() || values.size() < 2) return out;
  if (!values[1].is_object()) return out;
  for (const auto& [key, value] : values[1].properties) {
    if (key == "duration" || key == "filesize") continue;
    out.emplace_back(key, value);
  }
  return out;
}

}  // namespace

std::array<uint8_t, kFlvHeaderSize> flv_header(bool has_audio, bool has_video) {
  const uint8_t flags = static_cast<uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
}

void append_flv_tag(std::vector<uint8_t>& out, uint8_t type, uint32_t timestamp,
                    std::span<const uint8_t> body) {
  const auto size = static_cast<uint32_t>(body.size());
  out.push_back(type);
  put_u24(out, size);
  put_u24(out, timestamp & 0xffffff);
  out.push_back(static_cast<uint8_t>(timestamp >> 24));  // TimestampExtended
  put_u24(out, 0);                                       // StreamID
  out.insert(out.end(), body.begin(), body.end());
  put_u32(out, size + static_cast<uint32_t>(kFlvTagHeaderSize));
}

std::array<uint8_t, 8> amf_double_bytes(double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  std::array<uint8_t, 8> out{};
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  return out;
}

FlvMetadataTag flv_metadata_tag(std::span<const uint8_t> publisher_metadata) {
  amf0::Properties props;
  props.emplace_back("duration", amf0::Value::Number(0));
  props.emplace_back("filesize", amf0::Value::Number(0));
  for (auto& p : publisher_properties(publisher_metadata)) props.push_back(std::move(p));

  std::vector<uint8_t> body;
  amf0::encode(amf0::Value::String("onMetaData"), body);
  const size_t array_at = body.size();
  amf0::encode(amf0::Value::EcmaArray(std::move(props)), body);

  // ECMA array: marker, u32 count, then key (u16 length + bytes), value
  // marker and the 8 bytes of each number.
  constexpr std::string_view kDuration = "duration", kFilesize = "filesize";
  const size_t duration_in_body = array_at + 1 + 4 + 2 + kDuration.size() + 1;
  const size_t filesize_in_body = duration_in_body + 8 + 2 + kFilesize.size() + 1;

  FlvMetadataTag out;
  append_flv_tag(out.tag, kFlvTagScript, 0, body);
  out.duration_offset = kFlvTagHeaderSize + duration_in_body;
  out.filesize_offset = kFlvTagHeaderSize + filesize_in_body;
  return out;
}

}  // namespace rtmp::record
