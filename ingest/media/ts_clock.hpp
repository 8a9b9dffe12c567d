#pragma once
// MPEG-TS 90 kHz timestamps (33 bits, wrapping every ~26.5 h) → RTMP
// millisecond timestamps relative to the first timestamp of the stream.
//
// One clock per publish, shared by its audio and video so both keep their
// offset. Each input is unwrapped against the last one seen (any track): the
// nearest 64-bit value with the same low 33 bits, so a wrap, and libavformat's
// own unwrapping past 2^33, both come out continuous. A jump forward of more
// than kMaxJumpTicks, or back by more than kMaxBackTicks (an encoder restart,
// a spliced feed), is a new timeline: it continues from the last timestamp
// instead of leaping ahead or freezing the stream until it catches up. The
// backward bound is the smaller one: MPEG-TS muxers interleave the tracks by
// dts within about a second, so only a discontinuity goes back by seconds. Milliseconds are
// computed from the 90 kHz value each time (never by summing rounded deltas), so there is no drift.
#include <cstdint>

namespace rtmp::media {

// libavformat's AV_NOPTS_VALUE: a timestamp the packet does not carry.
inline constexpr int64_t kNoTimestamp = INT64_MIN;
inline constexpr int64_t kTsClockHz = 90000;

class TsClock {
 public:
  static constexpr int64_t kWrap = int64_t{1} << 33;
  static constexpr int64_t kMaxJumpTicks = 10 * kTsClockHz;
  static constexpr int64_t kMaxBackTicks = 3 * kTsClockHz;

  // Ticks since the first timestamp seen (negative for one before it).
  // ts90 must not be kNoTimestamp.
  int64_t ticks(int64_t ts90);

  // a90 - b90 as the wrap-safe difference nearest zero (pts - dts of one
  // frame). Neither may be kNoTimestamp.
  static int64_t difference(int64_t a90, int64_t b90);

  // Ticks → milliseconds, rounded down; 0 for anything before the start.
  static int64_t to_ms(int64_t ticks) { return ticks <= 0 ? 0 : ticks / 90; }

 private:
  bool started_ = false;
  int64_t origin_ = 0;  // the extended value that is tick 0
  int64_t last_ = 0;    // the last extended value
};

// Keeps one track's RTMP timestamps non-decreasing, as FLV and players need.
class MonotoneMs {
 public:
  uint32_t next(int64_t ms) {
    if (ms < last_) ms = last_;
    last_ = ms;
    return static_cast<uint32_t>(ms);  // RTMP timestamps wrap at 2^32 ms too
  }
  int64_t last() const { return last_; }

 private:
  int64_t last_ = 0;
};

}  // namespace rtmp::media
