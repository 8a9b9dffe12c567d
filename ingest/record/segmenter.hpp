#pragma once
// Where a recording is cut into files. A new file starts at the first video
// keyframe at or past the segment duration (audio-only streams: the first
// frame past it), so every file starts decodable; the frame that triggers the
// cut is the first of the new file, never in both and never in neither.
// Timestamps are the recording's own 64-bit milliseconds. No I/O.
#include <chrono>
#include <cstdint>

namespace rtmp::record {

class Segmenter {
 public:
  // `duration` 0: one file, never cut.
  Segmenter(std::chrono::milliseconds duration, bool has_video)
      : duration_ms_(duration.count()), has_video_(has_video) {}

  // Called for each frame before it is written: true when it must start a
  // new file (the caller closes the current one first). The first frame of
  // a recording opens its first file: begin().
  bool cut_before(bool video, bool keyframe, int64_t ts) const {
    if (duration_ms_ <= 0) return false;
    if (has_video_ && !(video && keyframe)) return false;
    return ts - start_ >= duration_ms_;
  }
  // A file starts at `ts`.
  void begin(int64_t ts) { start_ = ts; }
  int64_t start() const { return start_; }

 private:
  int64_t duration_ms_;
  bool has_video_;
  int64_t start_ = 0;
};

// RTMP's 32-bit millisecond timestamps as a monotonic-ish 64-bit count: a
// wrap (or a jump back of more than half the range) continues upwards.
class TimestampUnwrapper {
 public:
  int64_t operator()(uint32_t ts) {
    if (!started_) {
      started_ = true;
      last_ = ts;
      return last_;
    }
    const auto delta = static_cast<int32_t>(ts - static_cast<uint32_t>(last_));
    last_ += delta;
    return last_;
  }

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

}  // namespace rtmp::record
