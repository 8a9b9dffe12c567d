#include "ingest/relay/backoff.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Backoff, DoublesWithJitterWithinItsBounds) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Backoff b(seconds(1), seconds(30), seed);
    double expected = 1000;
    for (int i = 1; i <= 12; ++i) {
      const auto d = std::chrono::duration_cast<milliseconds>(b.next()).count();
      EXPECT_EQ(b.failures(), static_cast<uint32_t>(i));
      EXPECT_GE(d, 1000);
      EXPECT_LE(d, 30000);
      const double base = std::min(30000.0, expected);
      EXPECT_GE(d, std::max(1000.0, base * 0.8) - 1) << "attempt " << i;
      EXPECT_LE(d, std::min(30000.0, base * 1.2) + 1) << "attempt " << i;
      expected *= 2;
    }
  }
}

TEST(Backoff, JitterSpreadsAttemptsAtTheCap) {
  Backoff a(seconds(1), seconds(30), 1), b(seconds(1), seconds(30), 2);
  bool differ = false;
  for (int i = 0; i < 10; ++i) differ = differ || a.next() != b.next();
  EXPECT_TRUE(differ);
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(seconds(1), seconds(30), 7);
  for (int i = 0; i < 6; ++i) b.next();
  b.reset();
  EXPECT_EQ(b.failures(), 0u);
  EXPECT_LE(b.next(), milliseconds(1200));
}

TEST(Backoff, MaxBelowMinIsMin) {
  Backoff b(seconds(2), seconds(1), 3);
  EXPECT_EQ(b.next(), seconds(2));
}

}  // namespace
}  // namespace rtmp::relay
