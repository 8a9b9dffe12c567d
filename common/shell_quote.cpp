#include "common/shell_quote.hpp"

namespace rtmp::common {

bool shell_needs_fixup(std::string_view value) {
  return value.find('\n') != std::string_view::npos;
}

void append_shell_word(std::string& out, std::string_view value) {
  const bool printf_form = shell_needs_fixup(value);
  out += printf_form ? "$(printf %b '" : "'";
  for (const char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else if (printf_form && c == '\n') {
      out += "\\n";
    } else if (printf_form && c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  out += printf_form ? "_')" : "'";
}

void append_shell_fixup(std::string& out, std::string_view name) {
  out += "; ";
  out += name;
  out += "=${";
  out += name;
  out += "%_}";
}

}  // namespace rtmp::common
