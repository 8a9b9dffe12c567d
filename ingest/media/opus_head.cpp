#include "ingest/media/opus_head.hpp"

#include <algorithm>
#include <string_view>

#include "ingest/media/byte_reader.hpp"

namespace rtmp::media {

std::optional<OpusHead> parse_opus_head(std::span<const uint8_t> data) {
  constexpr std::string_view kMagic = "OpusHead";
  ByteReader r(data);
  OpusHead head;
  const bool ogg_layout =
      data.size() >= kMagic.size() && std::equal(kMagic.begin(), kMagic.end(), data.begin());
  if (ogg_layout) {
    r.skip(kMagic.size());
    const uint8_t version = r.u8();
    head.channels = r.u8();
    r.skip(2);  // pre-skip
    head.input_sample_rate = r.u32le();
    r.skip(2);  // output gain
    r.skip(1);  // channel mapping family
    if (!r.ok() || (version >> 4) != 0) return std::nullopt;
  } else {
    const uint8_t version = r.u8();
    head.channels = r.u8();
    r.skip(2);
    head.input_sample_rate = r.u32();
    r.skip(3);
    if (!r.ok() || version != 0) return std::nullopt;
  }
  if (head.channels == 0) return std::nullopt;
  return head;
}

}  // namespace rtmp::media
