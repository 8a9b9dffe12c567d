#include "ingest/registry/stream_configs.hpp"

#include <cstdint>
#include <vector>

namespace rtmp::registry {

void StreamConfigs::keep(const MediaPtr& m) {
  if (m->track == 0) {
    (m->video ? video_ : audio_) = m;
    return;
  }
  for (MediaPtr& kept : tracks_) {
    if (kept->video == m->video && kept->track == m->track) {
      kept = m;
      return;
    }
  }
  tracks_.push_back(m);
}

namespace {

constexpr uint32_t fourcc(const char (&s)[5]) {
  return uint32_t{uint8_t(s[0])} << 24 | uint32_t{uint8_t(s[1])} << 16 |
         uint32_t{uint8_t(s[2])} << 8 | uint8_t(s[3]);
}

// The codec a message is for, 0 when it cannot be told cheaply (empty,
// multitrack or modifier-extended Enhanced RTMP packets): an Enhanced RTMP
// FourCC, or the legacy codec id / sound format. The legacy ids of codecs
// Enhanced RTMP also names (AVC, HEVC's common id 12, AAC, MP3) map to their
// FourCC, so a header in one form and frames in the other are one codec.
uint32_t codec_key(const MediaMessage& m) {
  const auto& p = m.payload;
  if (p.empty()) return 0;
  const uint8_t b0 = p[0];
  const bool enhanced = m.video ? (b0 & 0x80) != 0 : (b0 >> 4) == 9;
  if (!enhanced) {
    const uint8_t id = m.video ? (b0 & 0x0f) : (b0 >> 4);
    if (m.video && id == 7) return fourcc("avc1");
    if (m.video && id == 12) return fourcc("hvc1");
    if (!m.video && id == 10) return fourcc("mp4a");
    if (!m.video && id == 2) return fourcc(".mp3");
    return 0x100u + id;  // below any FourCC of printable characters
  }
  const uint8_t type = b0 & 0x0f;
  if (m.video ? (type == 6 || type == 7) : (type == 5 || type == 7)) return 0;  // Multitrack, ModEx
  if (p.size() < 5) return 0;
  return uint32_t{p[1]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 8 | p[4];
}

}  // namespace

void StreamConfigs::forget_other_codec(const MediaMessage& m) {
  const uint32_t now = codec_key(m);
  if (now == 0) return;
  const auto other = [&](const MediaPtr& kept) {
    if (!kept || kept->video != m.video || kept->track != m.track) return false;
    const uint32_t before = codec_key(*kept);
    return before != 0 && before != now;
  };
  if (m.track == 0) {
    MediaPtr& kept = m.video ? video_ : audio_;
    if (other(kept)) kept.reset();
  } else {
    std::erase_if(tracks_, other);
  }
}

void StreamConfigs::clear() {
  video_.reset();
  audio_.reset();
  tracks_.clear();
}

void StreamConfigs::append_to(std::vector<MediaPtr>& out) const {
  if (video_) out.push_back(video_);
  if (audio_) out.push_back(audio_);
  out.insert(out.end(), tracks_.begin(), tracks_.end());
}

}  // namespace rtmp::registry
