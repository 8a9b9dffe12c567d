#include "ingest/registry/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace rtmp::registry {
namespace {

TEST(SpscRingTest, HoldsAtLeastTheRequestedCapacityAndRefusesWhenFull) {
  for (size_t requested : {1u, 3u, 7u, 8u, 100u}) {
    SpscRing<int> ring(requested);
    EXPECT_GE(ring.capacity(), requested);
    EXPECT_TRUE(ring.empty());
    size_t pushed = 0;
    while (ring.push(static_cast<int>(pushed))) ++pushed;
    EXPECT_EQ(pushed, ring.capacity()) << requested;
    EXPECT_EQ(ring.size(), ring.capacity());
    int v = -1;
    EXPECT_FALSE(ring.push(-5));
    ASSERT_TRUE(ring.pop(v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(ring.push(99));
  }
}

TEST(SpscRingTest, FifoAcrossWrapAround) {
  SpscRing<int> ring(3);
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(ring.push(next_in++));
    EXPECT_EQ(ring.size(), 2u);
    int v = -1;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(ring.pop(v));
      EXPECT_EQ(v, next_out++);
    }
    EXPECT_TRUE(ring.empty());
    EXPECT_FALSE(ring.pop(v));
  }
}

TEST(SpscRingTest, PowerOfTwoCapacityUsesExactlyThatManySlotsAndWrapsWhenFull) {
  EXPECT_EQ(SpscRing<int>(1024).slots(), 1024u);  // the -player-queue default: 16 KiB of pointers
  EXPECT_EQ(SpscRing<int>(1025).slots(), 2048u);
  EXPECT_EQ(SpscRing<int>(1).slots(), 1u);
  SpscRing<int> ring(4);
  int next_in = 0, next_out = 0, v = -1;
  for (int round = 0; round < 40; ++round) {
    while (ring.push(next_in)) ++next_in;  // fill every slot
    EXPECT_EQ(ring.size(), 4u);
    for (int i = 0; i < 1 + round % 4; ++i) {
      ASSERT_TRUE(ring.pop(v));
      EXPECT_EQ(v, next_out++);
    }
  }
  while (ring.pop(v)) EXPECT_EQ(v, next_out++);
  EXPECT_EQ(next_out, next_in);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, PopReleasesTheSlot) {
  SpscRing<std::shared_ptr<int>> ring(4);
  auto p = std::make_shared<int>(7);
  ASSERT_TRUE(ring.push(p));
  EXPECT_EQ(p.use_count(), 2);
  std::shared_ptr<int> out;
  ASSERT_TRUE(ring.pop(out));
  out.reset();
  EXPECT_EQ(p.use_count(), 1);  // the ring keeps no reference
}

TEST(SpscRingTest, TwoThreadsPassEveryValueOnceInOrder) {
  constexpr uint32_t kCount = 500000;
  SpscRing<std::shared_ptr<const uint32_t>> ring(15);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::atomic<bool> timed_out{false};

  std::thread producer([&] {
    for (uint32_t i = 0; i < kCount; ++i) {
      auto v = std::make_shared<const uint32_t>(i);
      while (!ring.push(v)) {
        if (timed_out || std::chrono::steady_clock::now() > deadline) {
          timed_out = true;
          return;
        }
        std::this_thread::yield();
      }
    }
  });

  uint32_t expected = 0;
  bool in_order = true;
  while (expected < kCount && !timed_out) {
    std::shared_ptr<const uint32_t> v;
    if (!ring.pop(v)) {
      if (std::chrono::steady_clock::now() > deadline) timed_out = true;
      std::this_thread::yield();
      continue;
    }
    if (*v != expected) in_order = false;
    ++expected;
    EXPECT_LE(ring.size(), ring.capacity());
  }
  producer.join();
  EXPECT_FALSE(timed_out.load());
  EXPECT_TRUE(in_order);
  EXPECT_EQ(expected, kCount);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace rtmp::registry
