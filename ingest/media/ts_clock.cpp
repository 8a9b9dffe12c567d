#include "ingest/media/ts_clock.hpp"

namespace rtmp::media {
namespace {

constexpr int64_t kMask = TsClock::kWrap - 1;

// (a - b) mod 2^33 as the signed difference nearest zero.
int64_t signed_delta(int64_t a, int64_t b) {
  int64_t d = (a - b) & kMask;
  if (d >= TsClock::kWrap / 2) d -= TsClock::kWrap;
  return d;
}

}  // namespace

int64_t TsClock::ticks(int64_t ts90) {
  const int64_t low = ts90 & kMask;
  if (!started_) {
    started_ = true;
    origin_ = last_ = low;
    return 0;
  }
  const int64_t delta = signed_delta(low, last_ & kMask);
  if (delta > kMaxJumpTicks || delta < -kMaxBackTicks) {
    origin_ += delta;  // a new timeline: continue where the last one was
  }
  last_ += delta;
  return last_ - origin_;
}

int64_t TsClock::difference(int64_t a90, int64_t b90) {
  return signed_delta(a90 & kMask, b90 & kMask);
}

}  // namespace rtmp::media
