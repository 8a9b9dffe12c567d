#include "ingest/record/record_options.hpp"

#include <fnmatch.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/duration.hpp"

namespace rtmp::record {
namespace {

constexpr size_t kMaxKeyInName = 160;

std::string safe_key(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    out += plain ? c : '_';
  }
  // A key of dots only would name the directory itself or its parent.
  if (out.find_first_not_of('.') == std::string::npos) out.insert(0, "_");
  // A file name has at most 255 bytes, and the pattern, the extension and
  // ".part" need room too: a long key is cut, and a hash of the whole key
  // keeps two keys alike in their first bytes apart.
  if (out.size() > kMaxKeyInName) {
    uint32_t hash = 2166136261u;  // FNV-1a
    for (const char c : key) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
    char tail[16];
    std::snprintf(tail, sizeof tail, "~%08x", hash);
    out.resize(kMaxKeyInName - std::strlen(tail));
    out += tail;
  }
  return out;
}

std::string utc_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return std::string(buf, n);
}

}  // namespace

bool RecordOptions::records(const std::string& key) const {
  if (all) return true;
  for (const auto& p : patterns) {
    // FNM_PATHNAME: `live/*` takes every name of the app, not `live/a/b`.
    if (::fnmatch(p.c_str(), key.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

std::chrono::milliseconds RecordOptions::segment_ms() const {
  if (segment_duration.empty()) return std::chrono::milliseconds(0);
  const auto d = common::parse_duration(segment_duration);
  if (!d) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::string check_segment_pattern(const std::string& pattern) {
  if (pattern.empty()) return "empty pattern";
  if (pattern.find('/') != std::string::npos)
    return "a pattern names a file in -record-dir: no '/'";
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    size_t j = i + 1;
    if (j < pattern.size() && (pattern[j] == 's' || pattern[j] == 'T' || pattern[j] == '%')) {
      i = j;
      continue;
    }
    // A width comes after a 0 only: "%5d" would pad with spaces, and a file
    // name with spaces in it is one no hook script expects.
    const bool zero = j < pattern.size() && pattern[j] == '0';
    if (zero) ++j;
    size_t digits = 0;
    while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9') ++j, ++digits;
    if ((digits == 0 || (zero && digits == 1)) && j < pattern.size() && pattern[j] == 'd') {
      i = j;
      continue;
    }
    return "unknown placeholder at \"" + pattern.substr(i, 4) + "\" (known: %s %T %d %0Nd %%)";
  }
  return {};
}

std::string segment_name(const std::string& pattern, const std::string& key,
                         std::chrono::system_clock::time_point start, unsigned index) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    const char c = pattern[i + 1];
    if (c == 's') {
      out += safe_key(key);
      ++i;
    } else if (c == 'T') {
      out += utc_stamp(start);
      ++i;
    } else if (c == '%') {
      out += '%';
      ++i;
    } else {
      size_t j = i + 1;
      unsigned width = 0;
      while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9')
        width = width * 10 + static_cast<unsigned>(pattern[j++] - '0');
      if (j < pattern.size() && pattern[j] == 'd') {
        std::string digits = std::to_string(index);
        if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
        out += digits;
        i = j;
      } else {
        out += '%';
      }
    }
  }
  return out;
}

void register_record_flags(common::FlagSet& flags, RecordOptions& o) {
  flags.add_bool("record-all", &o.all, false, "record every published stream");
  flags.add_list("record", &o.patterns,
                 "record streams whose key matches this pattern (live/*, live/show)",
                 [](const std::string& v) {
                   return v.empty() ? std::string("empty pattern") : std::string();
                 });
  flags.add_string("record-dir", &o.dir, "recordings", "directory recordings are written to",
                   [](const std::string& v) {
                     return v.empty() ? std::string("empty directory") : std::string();
                   });
  flags.add_choice("record-format", &o.format, "auto", {"auto", "flv", "mp4"},
                   "recording container; auto = FLV for codecs FLV carries, MP4 for HEVC, AV1, "
                   "VP9, Opus, FLAC, AC-3 (Enhanced RTMP)");
  flags.add_string("segment-duration", &o.segment_duration, "",
                   "start a new file at the first video keyframe (audio-only: the first frame) "
                   "this long into the current one; empty = one file per publish",
                   [](const std::string& v) {
                     if (v.empty()) return std::string();
                     const auto d = common::parse_duration(v);
                     if (!d) return std::string("not a duration");
                     if (*d < std::chrono::seconds(1)) return std::string("below 1s");
                     return std::string();
                   });
  flags.add_string("segment-pattern", &o.segment_pattern, "%s_%T_seg%03d",
                   "recording file name without extension: %s stream key ('/' as '_'), %T start "
                   "time (UTC YYYYMMDD-HHMMSS), %03d segment number from 0",
                   check_segment_pattern);
}

}  // namespace rtmp::record
