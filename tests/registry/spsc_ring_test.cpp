#include "ingest/registry/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(SpscRingTest, SlotsFollowWhatIsQueuedNotTheBound) {
  constexpr size_t kBlock = SpscRing<int>::kBlock;
  SpscRing<int> ring(1024);         // the -player-queue default
  EXPECT_EQ(ring.slots(), kBlock);  // not 1024 slots (16 KiB of pointers) up front
  int next_in = 0, next_out = 0, v = -1;
  while (ring.push(next_in)) ++next_in;
  EXPECT_EQ(next_in, 1024);
  EXPECT_EQ(ring.slots(), 1024u);
  while (ring.pop(v)) ASSERT_EQ(v, next_out++);
  EXPECT_EQ(next_out, 1024);
  EXPECT_LE(ring.slots(), kBlock);  // drained: the blocks went back
  // A consumer that keeps up a few items behind stays within two blocks.
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(ring.push(next_in++));
    if (i % 3 == 2) {
      while (ring.pop(v)) ASSERT_EQ(v, next_out++);
    }
    ASSERT_LE(ring.slots(), 2 * kBlock);
  }
}

TEST(SpscRingTest, FifoWhenFullAcrossBlocks) {
  for (size_t capacity : {4u, 31u, 32u, 33u, 100u}) {
    SpscRing<int> ring(capacity);
    int next_in = 0, next_out = 0, v = -1;
    for (int round = 0; round < 40; ++round) {
      while (ring.push(next_in)) ++next_in;  // fill to the bound
      EXPECT_EQ(ring.size(), capacity);
      const size_t pops = std::min<size_t>(capacity, 1 + round % 7);
      for (size_t i = 0; i < pops; ++i) {
        ASSERT_TRUE(ring.pop(v));
        EXPECT_EQ(v, next_out++);
      }
    }
    while (ring.pop(v)) EXPECT_EQ(v, next_out++);
    EXPECT_EQ(next_out, next_in);
    EXPECT_TRUE(ring.empty());
  }
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
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    }
  });

  uint32_t expected = 0;
  bool in_order = true;
  while (expected < kCount && !timed_out) {
    std::shared_ptr<const uint32_t> v;
    if (!ring.pop(v)) {
      if (std::chrono::steady_clock::now() > deadline) timed_out = true;
      std::this_thread::sleep_for(std::chrono::microseconds(20));
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
