#pragma once
// Percent-decoding ("%XX" is the byte XX), for query strings and URL parts.
#include <string>
#include <string_view>

namespace rtmp::common {

// A malformed escape is kept literally. With `plus_is_space`, '+' is a space,
// as in a query string (Go's url.ParseQuery); elsewhere in a URL it is a '+'.
std::string percent_decode(std::string_view in, bool plus_is_space = false);

}  // namespace rtmp::common
