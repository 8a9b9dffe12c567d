#include "common/logfmt.hpp"

namespace rtmp::common {

bool logfmt_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  bool non_ascii = false;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F) return true;
    non_ascii = non_ascii || c >= 0x80;
  }
  return non_ascii && !is_valid_utf8(s);
}

}  // namespace rtmp::common
