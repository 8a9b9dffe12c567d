#pragma once
// Test-only FLV reader: the tag bodies of a .flv fixture, in file order.
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace rtmp::media::test {

struct FlvTag {
  uint8_t type = 0;  // 8 audio, 9 video, 18 script data
  uint32_t timestamp = 0;
  std::vector<uint8_t> body;
};

inline std::vector<FlvTag> read_flv_tags(const std::vector<uint8_t>& file) {
  if (file.size() < 13 || file[0] != 'F' || file[1] != 'L' || file[2] != 'V') {
    throw std::runtime_error("not an FLV file");
  }
  auto be = [&](size_t at, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | file.at(at + i);
    return v;
  };
  std::vector<FlvTag> tags;
  size_t pos = be(5, 4) + 4;  // header, PreviousTagSize0
  while (pos + 11 <= file.size()) {
    FlvTag tag;
    tag.type = file[pos] & 0x1f;
    const uint32_t size = be(pos + 1, 3);
    tag.timestamp = be(pos + 4, 3) | (uint32_t{file[pos + 7]} << 24);
    if (pos + 11 + size > file.size()) break;  // truncated last tag
    tag.body.assign(file.begin() + static_cast<long>(pos + 11),
                    file.begin() + static_cast<long>(pos + 11 + size));
    tags.push_back(std::move(tag));
    pos += 11 + size + 4;
  }
  return tags;
}

// A copy of the first tag of a type whose body satisfies pred.
template <typename Pred>
FlvTag first_tag(const std::vector<FlvTag>& tags, uint8_t type, Pred pred) {
  for (const auto& tag : tags) {
    if (tag.type == type && pred(tag)) return tag;
  }
  throw std::runtime_error("no such tag in fixture");
}

}  // namespace rtmp::media::test
