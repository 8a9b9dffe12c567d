#pragma once
// MSB-first bit cursor with a sticky failure flag, plus the Exp-Golomb codes
// of H.264/H.265 (ue/se) and AV1's uvlc. Reading past the end returns 0 and
// makes ok() false; the reader never touches memory outside its span.
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtmp::media {

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t bits_left() const { return ok_ ? data_.size() * 8 - pos_ : 0; }

  // Up to 32 bits, MSB first.
  uint32_t bits(unsigned n) {
    if (n > 32 || n > bits_left()) {
      ok_ = false;
      pos_ = data_.size() * 8;
      return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_) {
      v = (v << 1) | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
    }
    return static_cast<uint32_t>(v);
  }
  bool flag() { return bits(1) != 0; }
  void skip(size_t n) {
    if (n > bits_left()) {
      ok_ = false;
      pos_ = data_.size() * 8;
      return;
    }
    pos_ += n;
  }

  // Unsigned Exp-Golomb; more than 31 leading zeros is malformed.
  uint32_t ue() {
    unsigned zeros = 0;
    while (ok_ && !flag()) {
      if (++zeros > 31) {
        ok_ = false;
        return 0;
      }
    }
    if (!ok_) return 0;
    const uint64_t v = (uint64_t{1} << zeros) - 1 + bits(zeros);
    return ok_ ? static_cast<uint32_t>(v) : 0;
  }
  // Signed Exp-Golomb.
  int32_t se() {
    const uint32_t k = ue();
    const int64_t magnitude = (static_cast<int64_t>(k) + 1) / 2;
    return static_cast<int32_t>((k & 1) ? magnitude : -magnitude);
  }
  // AV1 uvlc(): 32 or more leading zeros saturate (spec 4.10.3).
  uint32_t uvlc() {
    unsigned zeros = 0;
    while (ok_ && !flag()) ++zeros;
    if (!ok_) return 0;
    if (zeros >= 32) return UINT32_MAX;
    const uint64_t v = bits(zeros) + (uint64_t{1} << zeros) - 1;
    return ok_ ? static_cast<uint32_t>(v) : 0;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace rtmp::media
