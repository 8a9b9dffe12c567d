#pragma once
// Token comparison whose running time does not depend on where the tokens
// differ, nor on the secret's length: it only depends on the length of the
// token the client offered.
#include <string_view>

namespace rtmp::auth {

// True when `offered` equals `expected`. An empty `expected` never matches.
bool constant_time_equals(std::string_view offered, std::string_view expected);

}  // namespace rtmp::auth
