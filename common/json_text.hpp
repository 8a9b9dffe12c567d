#pragma once
// JSON string literals from arbitrary bytes: the one escaping every JSON line
// of both programs uses (payloads, the stdio hook, JSON log lines).
//
// Invalid UTF-8 policy: client-supplied names reach these strings unchecked,
// and a JSON line must stay valid for any reader (jq, Boost.JSON, Go). Each
// byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF, no truncated
// sequence) becomes U+FFFD, written as \ufffd; scanning goes on with the next
// byte, so every such byte gives one U+FFFD. Valid UTF-8 passes as it is.
// '"' and '\' get a backslash; \n, \r and \t are written by name; the other
// control characters below 0x20 and DEL become \u00XX. The result never holds
// a raw line break.
#include <cstddef>
#include <string>
#include <string_view>

namespace rtmp::common {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or
// 0 when s[i] does not start one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Whether `s` is well-formed UTF-8 throughout.
bool is_valid_utf8(std::string_view s);

namespace json_detail {
// The escape of one ASCII byte that needs one (quote, backslash, control
// character, DEL) into buf; returns its length, 0 when `c` goes in as it is.
std::size_t escape_ascii(unsigned char c, char (&buf)[8]);

constexpr bool plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}
}  // namespace json_detail

// The body of a JSON string literal (no surrounding quotes) appended to `out`,
// any container with append(const char*, const char*) and push_back (a
// std::string, fmt's memory buffers). Runs of bytes that need no escape are
// appended at once.
template <typename Out>
void append_json_escaped(Out& out, std::string_view s) {
  const char* const data = s.data();
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && json_detail::plain_ascii(static_cast<unsigned char>(data[run]))) ++run;
    if (run > i) out.append(data + i, data + run);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        constexpr std::string_view kReplacement = "\\ufffd";
        out.append(kReplacement.data(), kReplacement.data() + kReplacement.size());
        ++i;
      } else {
        out.append(data + i, data + i + len);
        i += len;
      }
      continue;
    }
    char buf[8];
    const std::size_t n = json_detail::escape_ascii(c, buf);
    out.append(buf, buf + n);
    ++i;
  }
}

// A whole JSON string literal, quotes included.
template <typename Out>
void append_json_string(Out& out, std::string_view s) {
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

inline std::string json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return out;
}

}  // namespace rtmp::common
