#pragma once
// Test-only helpers: fixture files under tests/media/data (made with ffmpeg,
// see data/README.md), boxes out of MP4 files, enhanced RTMP tag assembly.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::media::test {

using Bytes = std::vector<uint8_t>;

inline Bytes read_fixture(const std::string& name) {
  std::ifstream in(std::string(MEDIA_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The payload of the first box of a type (e.g. "hvcC") anywhere in an MP4
// file: found by its FourCC, sized by the 32-bit size before it.
inline Bytes mp4_box(const Bytes& file, std::string_view type) {
  const auto it = std::search(file.begin(), file.end(), type.begin(), type.end());
  if (it == file.end() || it - file.begin() < 4) throw std::runtime_error("no box");
  const size_t at = static_cast<size_t>(it - file.begin());
  const uint32_t size = (uint32_t{file[at - 4]} << 24) | (uint32_t{file[at - 3]} << 16) |
                        (uint32_t{file[at - 2]} << 8) | file[at - 1];
  if (size < 8 || at - 4 + size > file.size()) throw std::runtime_error("bad box size");
  return Bytes(file.begin() + static_cast<long>(at + 4),
               file.begin() + static_cast<long>(at - 4 + size));
}

// Bytes from the first occurrence of magic, count long.
inline Bytes slice_from(const Bytes& file, std::string_view magic, size_t count) {
  const auto it = std::search(file.begin(), file.end(), magic.begin(), magic.end());
  if (it == file.end() || file.end() - it < static_cast<long>(count)) {
    throw std::runtime_error("magic not found");
  }
  return Bytes(it, it + static_cast<long>(count));
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes fourcc(std::string_view cc) {
  return Bytes(cc.begin(), cc.end());
}

}  // namespace rtmp::media::test
