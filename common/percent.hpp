#pragma once
// Percent-decoding ("%XX" is the byte XX), for query strings and URL parts.
// With `plus_is_space`, '+' is a space, as in a query string (Go's
// url.ParseQuery); elsewhere in a URL it is a '+'.
#include <string>
#include <string_view>

namespace rtmp::common {

// Strict: false (and `out` unusable) when an escape is malformed.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);
// Lenient: a malformed escape is kept literally.
std::string percent_decode(std::string_view in, bool plus_is_space = false);

}  // namespace rtmp::common
