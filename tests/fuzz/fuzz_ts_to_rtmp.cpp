// libFuzzer target: elementary-stream packets through TsToRtmp, as a stream
// of records: codec byte, flag byte (keyframe, pts, dts, extradata), 5-byte
// 33-bit pts and dts, 2-byte length, data (then as much again of extradata
// when flagged). Never a crash; and what comes out must be what an RTMP
// publisher sends: messages our own FLV parsers accept, with timestamps that
// never go back within a track and a length that matches the payload.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/media/ts_to_rtmp.hpp"

namespace {

using rtmp::media::EsCodec;
using rtmp::media::EsPacket;

struct Cursor {
  std::span<const uint8_t> data;
  size_t pos = 0;

  bool has(size_t n) const { return data.size() - pos >= n; }
  uint64_t be(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data[pos++];
    return v;
  }
  std::span<const uint8_t> take(size_t n) {
    n = std::min(n, data.size() - pos);
    const auto out = data.subspan(pos, n);
    pos += n;
    return out;
  }
};

void check(const std::vector<rtmp::protocol::Message>& out, uint32_t last[2]) {
  for (const auto& m : out) {
    if (m.header.length != m.payload.size()) __builtin_trap();
    const bool video = m.header.type_id == 9;
    if (!video && m.header.type_id != 8) __builtin_trap();
    const bool valid = video ? rtmp::media::parse_video_packet(m.payload).tag.valid
                             : rtmp::media::parse_audio_packet(m.payload).tag.valid;
    if (!valid) __builtin_trap();
    if (m.header.timestamp < last[video]) __builtin_trap();
    last[video] = m.header.timestamp;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Cursor c{std::span<const uint8_t>(data, size)};
  rtmp::media::TsToRtmp conv;
  std::vector<rtmp::protocol::Message> out;
  uint32_t last[2] = {0, 0};
  while (c.has(14)) {
    EsPacket p;
    p.codec = static_cast<EsCodec>(c.be(1) % 4);
    const uint8_t flags = static_cast<uint8_t>(c.be(1));
    p.keyframe = flags & 1;
    const int64_t pts = static_cast<int64_t>(c.be(5) & ((uint64_t{1} << 33) - 1));
    const int64_t dts = static_cast<int64_t>(c.be(5) & ((uint64_t{1} << 33) - 1));
    p.pts = (flags & 2) ? pts : rtmp::media::kNoTimestamp;
    p.dts = (flags & 4) ? dts : rtmp::media::kNoTimestamp;
    const size_t length = c.be(2);
    p.data = c.take(length);
    if (flags & 8) p.extradata = c.take(length);
    out.clear();
    conv.push(p, out);
    check(out, last);
  }
  (void)conv.error();
  return 0;
}
