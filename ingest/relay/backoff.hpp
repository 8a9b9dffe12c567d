#pragma once
// Capped exponential backoff with jitter for reconnecting to a relay target:
// attempt n waits min * 2^(n-1), capped at max, scaled by a random factor in
// [0.8, 1.2) and kept within [min, max] (so at the cap: 0.8 max .. max); the jitter spreads the
// reconnects of many streams to one target that came back.
#include <chrono>
#include <cstdint>
#include <random>

namespace rtmp::relay {

class Backoff {
 public:
  using Duration = std::chrono::nanoseconds;
  Backoff(Duration min, Duration max, uint64_t seed)
      : min_(min), max_(max < min ? min : max), rng_(seed) {}

  // The wait before the next attempt; counts one more failure.
  Duration next() {
    ++failures_;
    double base = static_cast<double>(min_.count());
    for (uint32_t i = 1; i < failures_ && base < static_cast<double>(max_.count()); ++i) base *= 2;
    if (base > static_cast<double>(max_.count())) base = static_cast<double>(max_.count());
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    double d = base * jitter(rng_);
    if (d < static_cast<double>(min_.count())) d = static_cast<double>(min_.count());
    if (d > static_cast<double>(max_.count())) d = static_cast<double>(max_.count());
    return Duration(static_cast<int64_t>(d));
  }
  // A connection that worked: the next failure waits min again.
  void reset() { failures_ = 0; }
  uint32_t failures() const { return failures_; }

 private:
  Duration min_, max_;
  std::mt19937_64 rng_;
  uint32_t failures_ = 0;
};

}  // namespace rtmp::relay
