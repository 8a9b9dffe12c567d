#include "ingest/registry/player_link.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_subscriber.hpp"

namespace rtmp::registry {
namespace {

// 7 is exact: the ring rounds capacity + 1 up to a power of two.
constexpr size_t kCapacity = 7;

struct Link {
  explicit Link(uint32_t max_skips = 3, size_t capacity = kCapacity)
      : link(capacity, max_skips, [this] { wakes.fetch_add(1); }) {}
  std::vector<MediaPtr> drain(size_t n = SIZE_MAX) {
    std::vector<MediaPtr> out;
    MediaPtr m;
    while (out.size() < n && link.pop(m)) out.push_back(std::move(m));
    return out;
  }
  std::atomic<int> wakes{0};
  PlayerLink link;
};

TEST(PlayerLinkTest, DeliversInOrderAndWakesOnlyAnIdleConsumer) {
  Link l;
  const auto a = testing::video(0, true);
  const auto b = testing::video(33, false);
  l.link.offer(a, true);
  EXPECT_EQ(l.wakes, 0);                   // a new link's consumer is busy (draining its burst)
  ASSERT_TRUE(l.link.go_idle() == false);  // work is queued: keep draining
  EXPECT_EQ(l.drain(), (std::vector<MediaPtr>{a}));
  ASSERT_TRUE(l.link.go_idle());
  l.link.offer(b, true);
  EXPECT_EQ(l.wakes, 1);
  l.link.offer(testing::video(66, false), true);
  EXPECT_EQ(l.wakes, 1);  // already woken
  EXPECT_EQ(l.drain().size(), 2u);
  EXPECT_EQ(l.link.dropped(), 0u);
}

TEST(PlayerLinkTest, MarkBusySuppressesTheWake) {
  Link l;
  ASSERT_TRUE(l.link.go_idle());
  l.link.mark_busy();
  l.link.offer(testing::audio(0), false);
  EXPECT_EQ(l.wakes, 0);
  EXPECT_EQ(l.link.queued(), 1u);
}

TEST(PlayerLinkTest, FullQueueSkipsToAKeyframeWithTheQueueAtMostHalfFull) {
  Link l(/*max_skips=*/100);
  for (uint32_t i = 0; i < kCapacity; ++i) l.link.offer(testing::video(i, false), true);
  EXPECT_EQ(l.link.queued(), kCapacity);
  l.link.offer(testing::video(100, true), true);  // full: dropped, skipping starts
  EXPECT_EQ(l.link.dropped(), 1u);
  l.drain(kCapacity - 3);                          // 3 left: at most half of 7
  l.link.offer(testing::video(101, false), true);  // not a keyframe: still skipping
  l.link.offer(testing::audio(102), true);         // audio of a video stream too
  EXPECT_EQ(l.link.dropped(), 3u);
  EXPECT_EQ(l.link.queued(), 3u);
  const auto key = testing::video(103, true);
  l.link.offer(key, true);
  const auto after = testing::audio(104);
  l.link.offer(after, true);
  EXPECT_EQ(l.link.dropped(), 3u);
  auto got = l.drain();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3], key);
  EXPECT_EQ(got[4], after);
  EXPECT_FALSE(l.link.kicked());
}

TEST(PlayerLinkTest, KeyframeWithTheQueueMoreThanHalfFullIsSkippedToo) {
  Link l(/*max_skips=*/100);
  for (uint32_t i = 0; i < kCapacity; ++i) l.link.offer(testing::video(i, false), true);
  l.link.offer(testing::video(100, false), true);  // full: skipping
  l.drain(3);                                      // 4 left: more than half
  l.link.offer(testing::video(101, true), true);
  EXPECT_EQ(l.link.queued(), 4u);
  EXPECT_EQ(l.link.dropped(), 2u);
  l.drain(1);  // 3 left
  const auto key = testing::video(102, true);
  l.link.offer(key, true);
  EXPECT_EQ(l.link.queued(), 4u);
  EXPECT_EQ(l.drain().back(), key);
}

TEST(PlayerLinkTest, StillBehindAtMaxSkipsKeyframesIsKicked) {
  Link l(/*max_skips=*/3);
  ASSERT_TRUE(l.link.go_idle());
  l.link.offer(testing::video(0, true), true);
  EXPECT_EQ(l.wakes, 1);  // the consumer is woken, but is slow to run
  for (uint32_t i = 1; i <= kCapacity; ++i) l.link.offer(testing::video(i, false), true);
  l.link.offer(testing::video(50, true), true);  // skip 1
  EXPECT_FALSE(l.link.kicked());
  l.link.offer(testing::video(60, false), true);  // non-keyframes do not count
  l.link.offer(testing::video(100, true), true);  // skip 2
  EXPECT_FALSE(l.link.kicked());
  l.link.offer(testing::video(150, true), true);  // skip 3: kicked
  EXPECT_TRUE(l.link.kicked());
  // The pending wake covers the kick: the consumer sees it when it tries to idle.
  EXPECT_FALSE(l.link.go_idle());
  // Nothing more is queued once kicked.
  l.drain();
  l.link.offer(testing::video(200, true), true);
  EXPECT_EQ(l.link.queued(), 0u);
  EXPECT_FALSE(l.link.go_idle());  // a kicked link never goes idle
}

TEST(PlayerLinkTest, AudioOnlyStreamResumesOnAnyMessage) {
  Link l(/*max_skips=*/100);
  for (uint32_t i = 0; i < kCapacity; ++i) l.link.offer(testing::audio(i), false);
  l.link.offer(testing::audio(100), false);  // full: skipping
  l.drain(kCapacity - 3);
  const auto next = testing::audio(101);
  l.link.offer(next, false);
  EXPECT_EQ(l.link.dropped(), 1u);
  auto got = l.drain();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.back(), next);
}

TEST(PlayerLinkTest, ClosedIsSeenByBothSides) {
  Link l;
  EXPECT_FALSE(l.link.closed());
  l.link.close();
  EXPECT_TRUE(l.link.closed());
}

// Producer and consumer on two threads, the consumer waiting on a condition
// variable between wakes. The producer sends bursts of 1..kRing messages and
// waits for each burst to be consumed, so every burst end is a moment where a
// lost wake would leave the consumer asleep with work queued (it would time
// out). Every message arrives exactly once and in order; no wake is doubled.
TEST(PlayerLinkTest, GoIdleAndWakeNeverLoseAWake) {
  constexpr uint32_t kMessages = 100000;
  constexpr size_t kRing = 63;
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  int double_wakes = 0;
  PlayerLink link(kRing, 1000, [&] {
    {
      std::lock_guard lock(mu);
      if (woken) ++double_wakes;
      woken = true;
    }
    cv.notify_one();
  });

  std::vector<MediaPtr> messages;
  messages.reserve(kMessages);
  for (uint32_t i = 0; i < kMessages; ++i) {
    auto m = std::make_shared<MediaMessage>();
    m->header.timestamp = i;
    m->audio = true;
    messages.push_back(std::move(m));
  }

  // A short busy pause of n steps: not a yield, which on a loaded machine can
  // cost a whole time slice per call and starve the test past its deadline.
  std::atomic<uint32_t> spins{0};
  const auto pause = [&spins](size_t n) {
    for (size_t i = 0; i < n * 200; ++i) spins.fetch_add(1, std::memory_order_relaxed);
  };
  std::atomic<uint32_t> consumed{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> producer_timed_out{false};
  std::thread producer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    uint32_t sent = 0;
    uint32_t burst = 1;
    while (sent < kMessages && !stop) {
      const uint32_t n = std::min<uint32_t>(burst, kMessages - sent);
      for (uint32_t i = 0; i < n; ++i) {
        // Spread the burst so pushes land while the consumer is draining or
        // going idle, not only while it sleeps.
        pause((sent * 7) % 5);
        link.offer(messages[sent++], false);
      }
      burst = burst % kRing + 1;
      // The ring never overruns (that would drop by policy, not lose a wake).
      while (consumed.load() < sent && !stop) {
        if (std::chrono::steady_clock::now() > deadline) {
          producer_timed_out = true;
          return;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    }
  });

  std::vector<uint32_t> received;
  received.reserve(kMessages);
  bool lost_wake = false;
  while (received.size() < kMessages && !producer_timed_out) {
    MediaPtr m;
    while (link.pop(m)) {
      received.push_back(m->header.timestamp);
      consumed.fetch_add(1);
    }
    if (received.size() == kMessages) break;
    // The consumer may take its time between finding the ring empty and
    // declaring itself idle (a write completing, say): pushes land there.
    pause(received.size() % 3);
    if (!link.go_idle()) continue;  // work raced in: keep draining
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return woken; })) {
      lost_wake = true;
      break;
    }
    woken = false;
  }
  stop = true;
  producer.join();

  EXPECT_FALSE(lost_wake) << "asleep with " << link.queued() << " queued after " << received.size()
                          << " messages";
  EXPECT_FALSE(producer_timed_out.load());
  EXPECT_EQ(double_wakes, 0);
  EXPECT_EQ(link.dropped(), 0u);
  ASSERT_EQ(received.size(), kMessages);
  for (uint32_t i = 0; i < kMessages; ++i) {
    if (received[i] != i) {
      ADD_FAILURE() << "message " << i << " is " << received[i];
      break;
    }
  }
}

}  // namespace
}  // namespace rtmp::registry
