#include "dispatcher/pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace rtmp::dispatcher {
namespace {

// A runner that holds every job until the test releases it, finishing it on
// its own thread as the real runners do.
class HeldRunner : public Runner {
 public:
  void start(Job job, JobDone done) override {
    std::lock_guard lock(mutex_);
    held_.push_back({std::move(job), std::move(done)});
    ++started_;
  }
  void stop() override {}
  // Finishes the oldest held job with `ok` from another thread; false if none.
  bool release_one(bool ok) {
    std::pair<Job, JobDone> item;
    {
      std::lock_guard lock(mutex_);
      if (held_.empty()) return false;
      item = std::move(held_.front());
      held_.erase(held_.begin());
    }
    std::thread([&] { item.second(item.first, JobResult{ok, ok ? "" : "boom", 1}); }).join();
    return true;
  }
  size_t held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  size_t started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Job, JobDone>> held_;
  size_t started_ = 0;
};

Job make_job(HookKind kind) {
  static const HookSpec webhook{hook_kind("webhook"), std::nullopt, "http://h/"};
  static const HookSpec script{hook_kind("script"), std::nullopt, "/bin/true"};
  Job j;
  j.hook = kind == hook_kind("webhook") ? &webhook : &script;
  auto ev = std::make_shared<rtmphooks::Event>();
  ev->set_type(rtmphooks::PUBLISH_START);
  ev->set_id("evt-1");
  j.event = ev;
  j.payload = std::make_shared<const std::string>("{}");
  return j;
}

TEST(Pool, RunsAtMostConcurrencyAndQueuesTheRest) {
  HeldRunner web, script;
  Counters counters;
  Pool pool(3, 100, {&web, &script}, counters);
  for (int i = 0; i < 10; ++i)
    pool.submit(make_job(i % 2 ? hook_kind("script") : hook_kind("webhook")));
  EXPECT_EQ(web.held() + script.held(), 3u);
  EXPECT_EQ(pool.running(), 3u);
  EXPECT_EQ(pool.queued(), 7u);
  // Each completion starts exactly one queued job.
  for (int done = 0; done < 10; ++done) {
    ASSERT_TRUE(web.release_one(true) || script.release_one(false));
    EXPECT_LE(web.held() + script.held(), 3u);
  }
  pool.wait_idle();
  EXPECT_EQ(web.started() + script.started(), 10u);
  EXPECT_EQ(pool.running(), 0u);
  EXPECT_EQ(counters.kinds[hook_kind("webhook")].executions +
                counters.kinds[hook_kind("script")].executions,
            10u);
  EXPECT_EQ(counters.kinds[hook_kind("script")].failures,
            counters.kinds[hook_kind("script")].executions.load());
  EXPECT_EQ(counters.kinds[hook_kind("webhook")].failures, 0u);
}

TEST(Pool, WaitForRoomReflectsTheQueueLimit) {
  HeldRunner web, script;
  Counters counters;
  Pool pool(1, 2, {&web, &script}, counters);
  pool.submit(make_job(hook_kind("webhook")));  // runs
  EXPECT_TRUE(pool.wait_for_room(std::chrono::milliseconds(0)));
  pool.submit(make_job(hook_kind("webhook")));
  pool.submit(make_job(hook_kind("webhook")));  // queue now 2 = full
  EXPECT_FALSE(pool.wait_for_room(std::chrono::milliseconds(20)));
  std::thread releaser([&] { web.release_one(true); });
  EXPECT_TRUE(pool.wait_for_room(std::chrono::seconds(30)));
  releaser.join();
  while (web.release_one(true)) {
  }
  while (web.release_one(true)) {
  }
  pool.wait_idle();
}

TEST(Pool, AFullQueueHasRoomAgainOnlyOnceARefillIsFree) {
  HeldRunner web, script;
  Counters counters;
  Pool pool(1, 100, {&web, &script}, counters);
  for (int i = 0; i < 101; ++i) pool.submit(make_job(hook_kind("webhook")));  // 1 runs, 100 wait
  EXPECT_EQ(pool.queued(), 100u);
  std::atomic<bool> room{false};
  std::thread puller([&] { room = pool.wait_for_room(std::chrono::seconds(60)); });
  // Releases start once it waits: before that, a queue below the limit has room at once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (pool.room_waiters() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(pool.room_waiters(), 1u);
  // A quarter of the limit (25) must leave the queue before the waiter wakes.
  for (int i = 0; i < 24; ++i) ASSERT_TRUE(web.release_one(true));
  EXPECT_EQ(pool.queued(), 76u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a wrong wake-up shows by now
  EXPECT_FALSE(room.load());
  ASSERT_TRUE(web.release_one(true));
  puller.join();
  EXPECT_TRUE(room.load());
  EXPECT_EQ(pool.queued(), 75u);
  // Below the limit there is room at once.
  EXPECT_TRUE(pool.wait_for_room(std::chrono::milliseconds(0)));
  while (web.release_one(true)) {
  }
  pool.wait_idle();
  EXPECT_EQ(web.started(), 101u);
}

}  // namespace
}  // namespace rtmp::dispatcher
