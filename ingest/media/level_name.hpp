#pragma once
// Levels as people write them: "3.1", "4" (no ".0"), the way SRS and
// MediaInfo print them.
#include <string>

namespace rtmp::media {

inline std::string level_name(unsigned major, unsigned minor) {
  std::string out = std::to_string(major);
  if (minor != 0) out += "." + std::to_string(minor);
  return out;
}

}  // namespace rtmp::media
