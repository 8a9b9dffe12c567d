#pragma once
// How long a consumer's media (a player's, a relay target's) waits to be
// merged into one write. Most of a consumer's cost is per write (the syscall,
// the TCP segment, waking the reader), not per byte, so it should write as
// seldom as its latency budget allows. A fixed window writes small pieces of
// a low-bitrate stream (a 600 kbit/s stream gives ~2 KiB per 30 ms) and large
// ones of a fast one.
// So the window follows the consumer's own rate: long enough that one write
// carries about `target_bytes`, never longer than `longest`. The rate is the
// bytes written over the last period of at least one second; until the first
// period ends, the window is `longest`.
//
// No I/O and no clock of its own: the session passes the time in.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace rtmp::registry {

class MergeWindow {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;

  // `longest` <= 0 turns merging off (window() is 0); `target_bytes` 0 keeps
  // the window at `longest` whatever the rate.
  MergeWindow(Duration longest, size_t target_bytes)
      : longest_(std::max(longest, Duration::zero())), target_(target_bytes), window_(longest_) {}

  Duration window() const { return window_; }

  // Until when media gathered at `now` waits, given that the consumer's last
  // media write began at `last_write` (default-constructed: none yet):
  // nullopt when it should be written now (merging off, no write yet, or that
  // write's window already over). The caller adds its own conditions (control
  // bytes, a full batch, closing) and arms one timer for the time returned.
  std::optional<Clock::time_point> hold_until(Clock::time_point last_write,
                                              Clock::time_point now) const {
    if (window_ <= Duration::zero() || last_write == Clock::time_point{}) return std::nullopt;
    const auto due = last_write + window_;
    if (due <= now) return std::nullopt;
    return due;
  }

  // `n` bytes were written at `now`.
  void wrote(size_t n, Clock::time_point now) {
    if (target_ == 0 || longest_ == Duration::zero()) return;
    if (period_start_ == Clock::time_point{}) period_start_ = now;
    bytes_ += n;
    const Duration elapsed = now - period_start_;
    if (elapsed < kPeriod) return;
    // window = target / rate = target * elapsed / bytes, in [kShortest, longest];
    // clamped as a double first, so a long idle period cannot overflow the cast.
    const double secs = std::chrono::duration<double>(elapsed).count();
    const double longest_s = std::chrono::duration<double>(longest_).count();
    const double want = bytes_ == 0 ? longest_s
                                    : std::min(longest_s, static_cast<double>(target_) * secs /
                                                              static_cast<double>(bytes_));
    const auto w = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(want));
    window_ = std::clamp(w, std::min(kShortest, longest_), longest_);
    period_start_ = now;
    bytes_ = 0;
  }

 private:
  static constexpr Duration kPeriod = std::chrono::seconds(1);
  // Below this a write is due nearly every loop turn anyway.
  static constexpr Duration kShortest = std::chrono::milliseconds(2);

  Duration longest_;
  size_t target_;
  Duration window_;
  Clock::time_point period_start_{};
  uint64_t bytes_ = 0;
};

}  // namespace rtmp::registry
