#pragma once
// What to record, where, in which format, and how the files are cut and
// named: -record-all, -record, -record-dir, -record-format,
// -segment-duration, -segment-pattern.
#include <chrono>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace rtmp::record {

struct RecordOptions {
  bool all = false;                   // record every published stream
  std::vector<std::string> patterns;  // or only keys matching one (`live/*`, `live/show`)
  std::string dir = "recordings";
  std::string format = "auto";   // auto, flv, mp4
  std::string segment_duration;  // "" = one file per publish, else a Go duration
  std::string segment_pattern = "%s_%T_seg%03d";
  size_t queue_messages = 4096;           // per recording, between publisher and disk
  size_t queue_bytes = 64 * 1024 * 1024;  // and at most this many payload bytes

  bool enabled() const { return all || !patterns.empty(); }
  // Whether `key` (app/name) is recorded.
  bool records(const std::string& key) const;
  // -segment-duration as milliseconds (0 = not segmented).
  std::chrono::milliseconds segment_ms() const;
};

void register_record_flags(common::FlagSet& flags, RecordOptions& options);

// What is wrong with a -segment-pattern ("" when fine): only %s, %T, %d with
// an optional zero-padded width (%03d) and %% are known.
std::string check_segment_pattern(const std::string& pattern);

// A file name (no extension) from the pattern: %s the stream key with '/'
// (and other characters unsafe in a file name) as '_', %T the start time as
// UTC YYYYMMDD-HHMMSS, %d / %0Nd the segment number.
std::string segment_name(const std::string& pattern, const std::string& key,
                         std::chrono::system_clock::time_point start, unsigned index);

}  // namespace rtmp::record
