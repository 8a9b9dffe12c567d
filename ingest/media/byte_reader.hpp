#pragma once
// Big-endian byte cursor over a span with a sticky failure flag: a read past
// the end returns 0 and makes ok() false, so parsers read a field group and
// check once. Never reads outside the span.
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtmp::media {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  size_t position() const { return pos_; }

  uint8_t u8() { return static_cast<uint8_t>(be(1)); }
  uint16_t u16() { return static_cast<uint16_t>(be(2)); }
  uint32_t u24() { return static_cast<uint32_t>(be(3)); }
  uint32_t u32() { return static_cast<uint32_t>(be(4)); }

  // Little-endian reads (OpusHead).
  uint16_t u16le() {
    const auto b = bytes(2);
    return b.size() == 2 ? static_cast<uint16_t>(b[0] | (b[1] << 8)) : 0;
  }
  uint32_t u32le() {
    const auto b = bytes(4);
    if (b.size() != 4) return 0;
    return static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
           (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }

  // The next n bytes, or an empty span (and !ok()) when fewer remain.
  std::span<const uint8_t> bytes(size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return {};
    }
    const auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(size_t n) { (void)bytes(n); }
  std::span<const uint8_t> rest() { return bytes(remaining()); }

 private:
  uint64_t be(size_t n) {
    const auto b = bytes(n);
    uint64_t v = 0;
    for (const uint8_t byte : b) v = (v << 8) | byte;
    return v;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace rtmp::media
