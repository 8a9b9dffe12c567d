#include "ingest/auth/constant_time.hpp"

#include <cstddef>

namespace rtmp::auth {

bool constant_time_equals(std::string_view offered, std::string_view expected) {
  if (expected.empty()) return false;
  // Walk the offered token once, comparing against the expected one repeated:
  // every byte costs the same, and no early exit reveals a matching prefix.
  volatile unsigned char diff = offered.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    diff = diff | static_cast<unsigned char>(offered[i] ^ expected[i % expected.size()]);
  }
  return diff == 0 && !offered.empty();
}

}  // namespace rtmp::auth
