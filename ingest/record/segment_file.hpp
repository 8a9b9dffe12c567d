#pragma once
// One file of a recording being written: FLV (flv_file.cpp) or fragmented
// MP4 (mp4_file.cpp). Used from the recording's own thread only. Errors are
// returned as text ("write x.flv.part: No space left on device"), never
// thrown: a failing disk ends that one recording.
#include <cstdint>
#include <memory>
#include <string>

#include "ingest/record/tracks.hpp"
#include "ingest/registry/media_message.hpp"

namespace rtmp::record {

class SegmentFile {
 public:
  virtual ~SegmentFile() = default;
  // Writes one message at `timestamp` ms from the start of the file. Codec
  // configurations are written at open; media the container cannot carry is
  // skipped.
  virtual std::string write(const registry::MediaMessage& m, uint32_t timestamp) = 0;
  // Completes the file (trailer, FLV duration/filesize) and closes it.
  virtual std::string finish(uint32_t duration_ms) = 0;
};

// When a file puts what it wrote on disk besides its own points (a video
// keyframe): once this much media time has passed since it last did, so a
// stream without video (no keyframes) loses at most about a second of media
// when the process dies.
class FlushClock {
 public:
  static constexpr uint32_t kEveryMs = 1000;
  // Whether `timestamp` is a second or more past the last flush.
  bool due(uint32_t timestamp) const { return timestamp - last_ >= kEveryMs; }
  void flushed(uint32_t timestamp) { last_ = timestamp; }

 private:
  uint32_t last_ = 0;  // unsigned: a timestamp that went back flushes at once, then counts anew
};

// Creates `path` and writes what precedes the media (header, metadata,
// sequence headers). Null with `error` set on failure.
std::unique_ptr<SegmentFile> open_flv(const std::string& path, const Tracks& tracks,
                                      std::string& error);
std::unique_ptr<SegmentFile> open_mp4(const std::string& path, const Tracks& tracks,
                                      std::string& error);

}  // namespace rtmp::record
