#include "bench/rtmp_load/flv_file.hpp"

#include <fstream>
#include <iterator>

namespace rtmp::load {

namespace {
uint32_t be(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

std::string read_flv(const std::string& path, std::vector<FlvTag>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 13 || b[0] != 'F' || b[1] != 'L' || b[2] != 'V') return path + ": not an FLV file";
  size_t pos = be(&b[5], 4) + 4;  // header, then PreviousTagSize0
  while (pos + 11 <= b.size()) {
    FlvTag t;
    t.type = b[pos] & 0x1f;
    const uint32_t size = be(&b[pos + 1], 3);
    t.timestamp = be(&b[pos + 4], 3) | (uint32_t{b[pos + 7]} << 24);
    if (pos + 11 + size > b.size()) break;  // truncated last tag
    t.data.assign(b.begin() + pos + 11, b.begin() + pos + 11 + size);
    pos += 11 + size + 4;
    if (t.type == 18) {
      t.is_header = true;
    } else if (t.type == 9) {
      t.is_header = classify_video(t.data.data(), t.data.size()).sequence_header;
    } else if (t.type == 8) {
      t.is_header = classify_audio(t.data.data(), t.data.size()).sequence_header;
    } else {
      continue;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) return path + ": no tags";
  return {};
}

MediaKind classify_video(const uint8_t* p, size_t n) {
  MediaKind k;
  if (n < 1) return k;
  const uint8_t frame_type = (p[0] >> 4) & 0x07;
  if (p[0] & 0x80) {  // Enhanced RTMP: IsExHeader, packet type in the low nibble
    const uint8_t packet_type = p[0] & 0x0f;
    k.sequence_header = packet_type == 0;            // SequenceStart
    k.frame = packet_type == 1 || packet_type == 3;  // CodedFrames, CodedFramesX
  } else {
    const uint8_t codec = p[0] & 0x0f;
    if ((codec == 7 || codec == 12) && n >= 2) {  // AVC, HEVC: AVCPacketType
      k.sequence_header = p[1] == 0;
      k.frame = p[1] == 1;
    } else {
      k.frame = frame_type != 5;  // 5 = video info / command frame
    }
  }
  k.keyframe = k.frame && frame_type == 1;
  return k;
}

MediaKind classify_audio(const uint8_t* p, size_t n) {
  MediaKind k;
  if (n < 1) return k;
  const uint8_t format = p[0] >> 4;
  if (format == 10 && n >= 2) {  // AAC: AACPacketType
    k.sequence_header = p[1] == 0;
    k.frame = p[1] == 1;
  } else if (format == 9 && n >= 5) {  // Enhanced RTMP audio: ExHeader, packet type low nibble
    k.sequence_header = (p[0] & 0x0f) == 0;
    k.frame = (p[0] & 0x0f) == 1;
  } else {
    k.frame = true;
  }
  return k;
}

}  // namespace rtmp::load
