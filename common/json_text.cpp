#include "common/json_text.hpp"

#include <cstdint>

namespace rtmp::common {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
  } else {
    return 0;  // a continuation byte, an overlong lead (C0, C1) or past U+10FFFF (F5..FF)
  }
  if (i + len > s.size()) return 0;
  // The second byte's range excludes overlong forms (E0, F0), surrogates (ED)
  // and code points past U+10FFFF (F4).
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  if (c == 0xED) hi = 0x9F;
  if (c == 0xF0) lo = 0x90;
  if (c == 0xF4) hi = 0x8F;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if ((byte(k) & 0xC0u) != 0x80u) return 0;
  }
  return len;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace json_detail {

std::size_t escape_ascii(unsigned char c, char (&buf)[8]) {
  auto two = [&](char second) {
    buf[0] = '\\';
    buf[1] = second;
    return std::size_t{2};
  };
  switch (c) {
    case '"':
      return two('"');
    case '\\':
      return two('\\');
    case '\n':
      return two('n');
    case '\r':
      return two('r');
    case '\t':
      return two('t');
    default:
      break;
  }
  if (c >= 0x20 && c != 0x7F) return 0;
  static constexpr char kHex[] = "0123456789abcdef";
  buf[0] = '\\';
  buf[1] = 'u';
  buf[2] = '0';
  buf[3] = '0';
  buf[4] = kHex[c >> 4];
  buf[5] = kHex[c & 0xF];
  return 6;
}

}  // namespace json_detail
}  // namespace rtmp::common
