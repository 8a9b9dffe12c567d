#include "ingest/media/opus_ts.hpp"

#include "ingest/media/byte_reader.hpp"

namespace rtmp::media {
namespace {

constexpr uint32_t kMaxSamples = 5760;  // 120 ms at 48 kHz

}  // namespace

bool has_opus_ts_header(std::span<const uint8_t> data) {
  return data.size() >= 2 && data[0] == 0x7f && (data[1] & 0xe0) == 0xe0;
}

std::optional<std::vector<std::span<const uint8_t>>> split_opus_ts(std::span<const uint8_t> data) {
  std::vector<std::span<const uint8_t>> packets;
  ByteReader r(data);
  while (r.remaining() > 0) {
    if (!has_opus_ts_header(data.subspan(r.position()))) return std::nullopt;
    r.skip(1);
    const uint8_t flags = r.u8();
    size_t size = 0;
    for (uint8_t b = 0xff; b == 0xff && r.ok();) {
      b = r.u8();
      size += b;
    }
    if (flags & 0x10) r.skip(2);       // start_trim
    if (flags & 0x08) r.skip(2);       // end_trim
    if (flags & 0x04) r.skip(r.u8());  // control_extension
    const auto packet = r.bytes(size);
    if (!r.ok()) return std::nullopt;
    if (!packet.empty()) packets.push_back(packet);
  }
  return packets;
}

std::optional<uint32_t> opus_packet_samples(std::span<const uint8_t> packet) {
  if (packet.empty()) return std::nullopt;
  const uint8_t toc = packet[0];
  const unsigned config = toc >> 3;
  uint32_t frame = 0;
  if (config < 12) {  // SILK: 10, 20, 40, 60 ms
    static constexpr uint32_t kSilk[] = {480, 960, 1920, 2880};
    frame = kSilk[config & 3];
  } else if (config < 16) {  // hybrid: 10, 20 ms
    frame = (config & 1) ? 960 : 480;
  } else {  // CELT: 2.5, 5, 10, 20 ms
    static constexpr uint32_t kCelt[] = {120, 240, 480, 960};
    frame = kCelt[config & 3];
  }
  uint32_t frames = 1;
  switch (toc & 3) {
    case 0:
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (packet.size() < 2) return std::nullopt;
      frames = packet[1] & 0x3f;
      break;
  }
  const uint32_t samples = frame * frames;
  if (samples == 0 || samples > kMaxSamples) return std::nullopt;
  return samples;
}

std::vector<uint8_t> default_opus_head(uint8_t channels) {
  std::vector<uint8_t> head = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd'};
  head.push_back(1);  // version
  head.push_back(channels);
  head.insert(head.end(), {0x38, 0x01});              // pre-skip 312, little-endian
  head.insert(head.end(), {0x80, 0xbb, 0x00, 0x00});  // input sample rate 48000
  head.insert(head.end(), {0x00, 0x00});              // output gain
  head.push_back(0);                                  // channel mapping family
  return head;
}

}  // namespace rtmp::media
