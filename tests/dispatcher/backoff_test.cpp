#include "dispatcher/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace rtmp::dispatcher {
namespace {

using ms = std::chrono::milliseconds;

AttemptResult status(long s) {
  return AttemptResult{false, s};
}
AttemptResult transport() {
  return AttemptResult{true, 0};
}

TEST(Backoff, ClassifiesOutcomes) {
  EXPECT_TRUE(is_success(status(200)));
  EXPECT_TRUE(is_success(status(204)));
  EXPECT_FALSE(is_success(status(302)));
  EXPECT_FALSE(is_success(transport()));
  EXPECT_TRUE(is_retryable(transport()));
  EXPECT_TRUE(is_retryable(status(429)));
  EXPECT_TRUE(is_retryable(status(500)));
  EXPECT_TRUE(is_retryable(status(503)));
  EXPECT_FALSE(is_retryable(status(404)));
  EXPECT_FALSE(is_retryable(status(400)));
  EXPECT_FALSE(is_retryable(status(301)));
}

TEST(Backoff, StepsDoubleUpToTheCap) {
  Backoff b(10, ms(100), ms(1000));
  EXPECT_EQ(b.step(2), ms(100));
  EXPECT_EQ(b.step(3), ms(200));
  EXPECT_EQ(b.step(4), ms(400));
  EXPECT_EQ(b.step(5), ms(800));
  EXPECT_EQ(b.step(6), ms(1000));
  EXPECT_EQ(b.step(40), ms(1000));
}

TEST(Backoff, JitterStaysWithinHalfToFullStepAndVaries) {
  Backoff b(3, ms(100), ms(5000));
  std::mt19937_64 rng(42);
  std::set<long long> seen;
  for (int i = 0; i < 200; ++i) {
    auto d = b.next_delay(status(503), 3, ms(60000), rng);
    ASSERT_TRUE(d);
    EXPECT_GE(*d, ms(100));
    EXPECT_LE(*d, ms(200));
    seen.insert(d->count());
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST(Backoff, NoRetryForSuccessOr4xx) {
  Backoff b(3, ms(100), ms(5000));
  std::mt19937_64 rng(1);
  EXPECT_FALSE(b.next_delay(status(200), 2, ms(60000), rng));
  EXPECT_FALSE(b.next_delay(status(404), 2, ms(60000), rng));
  EXPECT_FALSE(b.next_delay(status(401), 2, ms(60000), rng));
  EXPECT_TRUE(b.next_delay(status(429), 2, ms(60000), rng));
  EXPECT_TRUE(b.next_delay(transport(), 2, ms(60000), rng));
}

TEST(Backoff, RetriesAreCounted) {
  Backoff b(2, ms(10), ms(100));
  std::mt19937_64 rng(1);
  EXPECT_TRUE(b.next_delay(status(500), 2, ms(60000), rng));
  EXPECT_TRUE(b.next_delay(status(500), 3, ms(60000), rng));
  EXPECT_FALSE(b.next_delay(status(500), 4, ms(60000), rng));
  Backoff none(0, ms(10), ms(100));
  EXPECT_FALSE(none.next_delay(status(500), 2, ms(60000), rng));
}

TEST(Backoff, NeverWaitsPastTheDeadline) {
  Backoff b(5, ms(1000), ms(5000));
  std::mt19937_64 rng(7);
  EXPECT_FALSE(b.next_delay(status(503), 2, ms(400), rng));  // wait >= 500ms > 400ms left
  EXPECT_FALSE(b.next_delay(status(503), 2, ms(0), rng));
  EXPECT_TRUE(b.next_delay(status(503), 2, ms(1001), rng));
}

TEST(Backoff, RetryAfterWaitsLongerNeverShorter) {
  Backoff b(5, ms(100), ms(5000));
  std::mt19937_64 rng(7);
  AttemptResult limited = status(429);
  limited.retry_after = ms(2000);
  EXPECT_EQ(b.next_delay(limited, 2, ms(30000), rng), ms(2000));
  limited.retry_after = ms(1);  // shorter than the backoff: the backoff's wait
  const auto own = b.next_delay(limited, 4, ms(30000), rng);
  ASSERT_TRUE(own);
  EXPECT_GE(*own, ms(200));
  limited.retry_after = ms(120000);  // past the deadline: no retry
  EXPECT_FALSE(b.next_delay(limited, 2, ms(30000), rng));
}

}  // namespace
}  // namespace rtmp::dispatcher
