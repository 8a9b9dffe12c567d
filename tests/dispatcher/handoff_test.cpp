#include "dispatcher/handoff.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace rtmp::dispatcher {
namespace {

TEST(Handoff, OneWakeUpPerBurst) {
  Handoff<int> h;
  EXPECT_TRUE(h.push(1));  // nothing pending: wake the consumer
  EXPECT_FALSE(h.push(2));
  EXPECT_FALSE(h.push(3));
  std::vector<int> got;
  EXPECT_FALSE(h.take(got));
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.push(4));  // after a take, the next push wakes again
}

TEST(Handoff, StopIsSeenWithWhatCameBefore) {
  Handoff<int> h;
  h.push(1);
  h.request_stop();
  EXPECT_FALSE(h.push(2));  // a wake-up is already pending
  std::vector<int> got;
  EXPECT_TRUE(h.take(got));
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

// Producers on several threads, one consumer that sleeps until woken: every
// item arrives once and no push is left without a wake-up.
TEST(Handoff, NothingLostAcrossThreads) {
  Handoff<int> h;
  std::atomic<int> wakes{0};
  constexpr int kThreads = 4, kEach = 5000;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (h.push(t * kEach + i)) wakes.fetch_add(1);
      }
    });
  }
  std::vector<int> got;
  int seen_wakes = 0;
  while (static_cast<int>(got.size()) < kThreads * kEach) {
    if (wakes.load() > seen_wakes || !h.empty()) {
      seen_wakes = wakes.load();
      h.take(got);
    }
  }
  for (auto& p : producers) p.join();
  h.take(got);
  ASSERT_EQ(got.size(), static_cast<size_t>(kThreads * kEach));
  std::vector<bool> once(got.size());
  for (int v : got) {
    EXPECT_FALSE(once[static_cast<size_t>(v)]) << v;
    once[static_cast<size_t>(v)] = true;
  }
}

}  // namespace
}  // namespace rtmp::dispatcher
