#include "common/percent.hpp"

namespace rtmp::common {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes `in` into `out`; returns false at the first malformed escape, or
// keeps it literally when `lenient`.
bool decode(std::string_view in, std::string& out, bool plus_is_space, bool lenient) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (plus_is_space && in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      const bool ok = i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0;
      if (ok) {
        out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
        i += 2;
      } else if (lenient) {
        out += in[i];
      } else {
        return false;
      }
    } else {
      out += in[i];
    }
  }
  return true;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  return decode(in, out, plus_is_space, false);
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  decode(in, out, plus_is_space, true);
  return out;
}

}  // namespace rtmp::common
