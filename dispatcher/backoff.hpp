#pragma once
// When a failed webhook attempt is retried, and after how long (docs/hooks.md):
// connection errors, 429 and 5xx are retried up to -webhook-retries extra
// attempts, with exponential backoff and jitter, never sooner than the
// server's Retry-After, never past the hook deadline.
#include <chrono>
#include <optional>
#include <random>

namespace rtmp::dispatcher {

// The outcome of one HTTP attempt: a transport error, or a status code.
struct AttemptResult {
  bool transport_error = false;
  long status = 0;
  std::chrono::milliseconds retry_after{0};  // the answer's Retry-After; 0 when none
};

bool is_success(const AttemptResult& r);
bool is_retryable(const AttemptResult& r);

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  Backoff(int retries, Duration base, Duration max);

  // The wait before attempt number `next_attempt` (2 = first retry), or nullopt
  // when no retry is allowed: not retryable, out of retries, or the wait would
  // end at or past `remaining` (time left before the hook deadline).
  // Equal jitter: uniform in [step/2, step], step = min(max, base * 2^(n-2));
  // longer when the answer's Retry-After asks for more.
  std::optional<Duration> next_delay(const AttemptResult& r, int next_attempt, Duration remaining,
                                     std::mt19937_64& rng) const;

  // The un-jittered step before attempt `next_attempt`.
  Duration step(int next_attempt) const;

 private:
  int retries_;
  Duration base_;
  Duration max_;
};

}  // namespace rtmp::dispatcher
