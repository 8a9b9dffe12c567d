#pragma once
// logfmt values (key=value lines): the text log lines' fields and the event
// rendered as one logfmt line.
//
// A value goes bare when it is non-empty, well-formed UTF-8 and holds no
// space, control character, DEL, '=', '"' or '\'; otherwise it is quoted
// exactly as a JSON string (common/json_text.hpp, same escapes and the same
// invalid-UTF-8 policy), so a value never spans two lines and a reader that
// unquotes JSON or Go strings gets it back.
#include <string_view>

#include "common/json_text.hpp"

namespace rtmp::common {

bool logfmt_needs_quotes(std::string_view s);

template <typename Out>
void append_logfmt_value(Out& out, std::string_view s) {
  if (logfmt_needs_quotes(s)) {
    append_json_string(out, s);
  } else {
    out.append(s.data(), s.data() + s.size());
  }
}

}  // namespace rtmp::common
