#include "dispatcher/backoff.hpp"

#include <algorithm>

namespace rtmp::dispatcher {

bool is_success(const AttemptResult& r) {
  return !r.transport_error && r.status >= 200 && r.status < 300;
}

bool is_retryable(const AttemptResult& r) {
  return r.transport_error || r.status == 429 || (r.status >= 500 && r.status < 600);
}

Backoff::Backoff(int retries, Duration base, Duration max)
    : retries_(retries), base_(std::max(base, Duration(1))), max_(std::max(max, base_)) {}

Backoff::Duration Backoff::step(int next_attempt) const {
  const int doublings = std::clamp(next_attempt - 2, 0, 30);
  const auto step = base_.count() << doublings;
  return Duration(std::min<long long>(step, max_.count()));
}

std::optional<Backoff::Duration> Backoff::next_delay(const AttemptResult& r, int next_attempt,
                                                     Duration remaining,
                                                     std::mt19937_64& rng) const {
  if (is_success(r) || !is_retryable(r)) return std::nullopt;
  if (next_attempt < 2 || next_attempt > retries_ + 1) return std::nullopt;
  const Duration s = step(next_attempt);
  std::uniform_int_distribution<long long> jitter(s.count() / 2, s.count());
  const Duration delay = std::max(Duration(jitter(rng)), r.retry_after);
  if (delay >= remaining) return std::nullopt;
  return delay;
}

}  // namespace rtmp::dispatcher
