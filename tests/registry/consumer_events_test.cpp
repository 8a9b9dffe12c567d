// A consumer that joins as a role but starts later (a relay): it is not
// counted as a player, its start waits until it calls start(), it may stop
// and start again, and the role's end closes a start still open -- each
// start with exactly one stop, nothing after the role ended.
#include "ingest/registry/consumer_events.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_subscriber.hpp"
#include "ingest/events/recording_sink.hpp"
#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {
namespace {

using testing::FakeSubscriber;
using Names = std::vector<std::string>;
using events::StopReason;

std::shared_ptr<FakeSubscriber> later_consumer() {
  auto sub = std::make_shared<FakeSubscriber>();
  sub->player = false;
  sub->at_join = false;
  return sub;
}

class ConsumerEventsTest : public ::testing::Test {
 protected:
  events::RecordingSink sink;
  StreamRegistry registry{sink, StreamLimits{}};
};

TEST_F(ConsumerEventsTest, JoinEmitsNoStartAndCountsNoPlayer) {
  auto pub = registry.publish("live/a", "c1", events::PublishStart{});
  auto role = registry.join("live/a", later_consumer(), "c1");
  ASSERT_TRUE(role);
  ASSERT_NE(role.events(), nullptr);
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start"}));
  EXPECT_EQ(registry.counts().players, 0u);
  role.end(StopReason::kClient);  // never started: no stop either
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start"}));
}

TEST_F(ConsumerEventsTest, PlayersHaveNoConsumerEvents) {
  auto role = registry.join("live/a", std::make_shared<FakeSubscriber>(), "c1");
  EXPECT_EQ(role.events(), nullptr);
}

TEST_F(ConsumerEventsTest, StartsAndStopsWithinTheRoleEachStartOneStop) {
  auto pub = registry.publish("live/a", "c1", events::PublishStart{});
  auto sub = later_consumer();
  auto role = registry.join("live/a", sub, "c1");
  auto ev = role.events();
  EXPECT_TRUE(ev->start());
  EXPECT_FALSE(ev->start());  // already started
  EXPECT_TRUE(ev->stop(StopReason::kError));
  EXPECT_FALSE(ev->stop(StopReason::kError));  // not started
  EXPECT_TRUE(ev->emit(events::RelayError{"t", "refused", 1, 1.0}));
  EXPECT_TRUE(ev->start());
  role.end(StopReason::kClient);  // closes the open start
  EXPECT_TRUE(ev->ended());
  EXPECT_FALSE(ev->start());
  EXPECT_FALSE(ev->stop(StopReason::kError));
  EXPECT_FALSE(ev->emit(events::RelayError{}));
  pub.end(StopReason::kClient);
  EXPECT_EQ(sink.names(),
            (Names{"stream_create", "publish_start", "play_start", "play_stop", "relay_error",
                   "play_start", "play_stop", "publish_stop", "stream_delete"}));
  EXPECT_EQ(sub->stop_events, 2);
  EXPECT_EQ(std::get<events::PlayStop>(sink.events().at(6).data).reason, "client");
}

TEST_F(ConsumerEventsTest, DestructionEndsAnOpenStartOnce) {
  auto pub = registry.publish("live/a", "c1", events::PublishStart{});
  std::shared_ptr<ConsumerEvents> ev;
  {
    auto role = registry.join("live/a", later_consumer(), "c1");
    ev = role.events();
    ev->start();
  }
  EXPECT_FALSE(ev->stop(StopReason::kError));
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start", "play_start", "play_stop"}));
  EXPECT_EQ(std::get<events::PlayStop>(sink.events().back().data).reason, "error");
}

TEST_F(ConsumerEventsTest, MovedRoleKeepsItsEvents) {
  auto sub = later_consumer();
  auto role = registry.join("live/a", sub, "c1");
  auto ev = role.events();
  PlayerRole moved = std::move(role);
  EXPECT_EQ(moved.events(), ev);
  ev->start();
  role.end(StopReason::kClient);  // moved from: nothing
  EXPECT_EQ(sink.names(), (Names{"stream_create", "play_start"}));
  moved.end(StopReason::kShutdown);
  EXPECT_EQ(sink.names(), (Names{"stream_create", "play_start", "play_stop", "stream_delete"}));
}

// The consumer's strand starts and stops while the owner ends the role on
// another thread: every start has one stop and none comes after the end.
TEST_F(ConsumerEventsTest, ConcurrentEndAndStartsPairUp) {
  for (int round = 0; round < 50; ++round) {
    events::RecordingSink s;
    StreamRegistry reg{s, StreamLimits{}};
    auto pub = reg.publish("live/a", "c1", events::PublishStart{});
    auto role = reg.join("live/a", later_consumer(), "c1");
    auto ev = role.events();
    std::thread consumer([ev] {
      for (int i = 0; i < 200; ++i) {
        ev->start();
        ev->emit(events::RelayError{});
        ev->stop(StopReason::kError);
      }
    });
    std::this_thread::yield();
    role.end(StopReason::kClient);
    pub.end(StopReason::kClient);
    consumer.join();
    int open = 0;
    const auto names = s.names();
    ASSERT_EQ(names.back(), "stream_delete");
    ASSERT_EQ(names[names.size() - 2], "publish_stop");
    for (const auto& n : names) {
      if (n == "play_start") {
        EXPECT_EQ(open++, 0);
      }
      if (n == "play_stop") {
        EXPECT_EQ(--open, 0);
      }
    }
    EXPECT_EQ(open, 0);
  }
}

}  // namespace
}  // namespace rtmp::registry
