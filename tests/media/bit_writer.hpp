#pragma once
// Test-only MSB-first bit writer with Exp-Golomb codes, to build parameter
// sets with the features real encoders rarely emit (scaling lists, fields).
#include <cstdint>
#include <vector>

namespace rtmp::media::test {

class BitWriter {
 public:
  void bits(uint64_t value, unsigned n) {
    for (unsigned i = n; i-- > 0;) bit(i < 64 && ((value >> i) & 1));  // n may exceed 64
  }
  void bit(bool b) {
    if (count_ % 8 == 0) out_.push_back(0);
    if (b) out_.back() |= static_cast<uint8_t>(0x80 >> (count_ % 8));
    ++count_;
  }
  void ue(uint32_t v) {
    const uint64_t x = uint64_t{v} + 1;
    unsigned len = 0;
    while ((x >> len) > 1) ++len;
    bits(0, len);
    bits(x, len + 1);
  }
  void se(int32_t v) {
    ue(v > 0 ? static_cast<uint32_t>(2 * v - 1) : static_cast<uint32_t>(-2 * v));
  }
  // rbsp_trailing_bits()
  std::vector<uint8_t> finish() {
    bit(true);
    while (count_ % 8 != 0) bit(false);
    return out_;
  }

 private:
  std::vector<uint8_t> out_;
  size_t count_ = 0;
};

// RBSP → NAL payload: inserts emulation prevention bytes.
inline std::vector<uint8_t> escape_rbsp(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  unsigned zeros = 0;
  for (const uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace rtmp::media::test
