#include "ingest/media/flac_stream_info.hpp"

#include "ingest/media/bit_reader.hpp"
#include "ingest/media/byte_reader.hpp"

namespace rtmp::media {

std::optional<FlacStreamInfo> parse_flac_stream_info(std::span<const uint8_t> data) {
  constexpr size_t kStreamInfoSize = 34;
  if (data.size() >= 4 && data[0] == 'f' && data[1] == 'L' && data[2] == 'a' && data[3] == 'C') {
    data = data.subspan(4);
  }
  ByteReader r(data);
  const uint8_t block_type = r.u8() & 0x7f;
  const uint32_t length = r.u24();
  const auto info = r.bytes(kStreamInfoSize);
  if (!r.ok() || block_type != 0 || length < kStreamInfoSize) return std::nullopt;
  BitReader br(info);
  br.skip(16 + 16 + 24 + 24);  // block sizes, frame sizes
  FlacStreamInfo out;
  out.sample_rate = br.bits(20);
  out.channels = br.bits(3) + 1;
  out.bits_per_sample = br.bits(5) + 1;
  if (!br.ok() || out.sample_rate == 0) return std::nullopt;
  return out;
}

}  // namespace rtmp::media
