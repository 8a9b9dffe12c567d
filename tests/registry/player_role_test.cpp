#include "ingest/registry/player_role.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <stdexcept>
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

std::vector<events::PlayStop> stops(const events::RecordingSink& sink) {
  std::vector<events::PlayStop> out;
  for (const auto& e : sink.events()) {
    if (auto* s = std::get_if<events::PlayStop>(&e.data)) out.push_back(*s);
  }
  return out;
}

size_t count(const events::RecordingSink& sink, const std::string& name) {
  size_t n = 0;
  for (const auto& got : sink.names()) n += got == name ? 1 : 0;
  return n;
}

// An owner of a role, as a session is: the subscriber is a separate object
// (the stream may hold it after the role ended), the role a member; its own
// close event follows the role's end.
struct Owner {
  Owner(events::EventSink& sink, std::string conn) : sink(sink), conn(std::move(conn)) {}
  ~Owner() {
    role = {};
    sink.emit(events::Event{conn, "live/a", events::ConnectionClose{"subscriber", 0, "error"}, 0});
  }
  events::EventSink& sink;
  std::string conn;
  PlayerRole role;
};

class PlayerRoleTest : public ::testing::Test {
 protected:
  PlayerRole join(const std::shared_ptr<FakeSubscriber>& sub, const std::string& conn = "p1") {
    return registry.join("live/a", sub, conn);
  }
  events::RecordingSink sink;
  StreamRegistry registry{sink, StreamLimits{}};
};

TEST_F(PlayerRoleTest, ExplicitEndEmitsStopCountAndDeleteInOrder) {
  auto sub = std::make_shared<FakeSubscriber>();
  sub->query = "x=1";
  auto role = join(sub);
  const auto start = std::get<events::PlayStart>(sink.events().at(1).data);
  EXPECT_EQ(start.query, "x=1");  // the subscriber's start event
  EXPECT_EQ(&role.subscriber(), sub.get());
  role.end(StopReason::kClient);
  EXPECT_FALSE(role);
  EXPECT_TRUE(sub->link().closed());
  EXPECT_EQ(sink.names(), (Names{"stream_create", "play_start", "subscriber_count", "play_stop",
                                 "subscriber_count", "stream_delete"}));
  ASSERT_EQ(stops(sink).size(), 1u);
  EXPECT_EQ(stops(sink)[0].reason, "client");
  EXPECT_GE(stops(sink)[0].duration_sec, 0.0);
}

TEST_F(PlayerRoleTest, DoubleEndIsANoOp) {
  auto sub = std::make_shared<FakeSubscriber>();
  {
    auto role = join(sub);
    role.end(StopReason::kKicked);
    role.end(StopReason::kClient);
  }
  EXPECT_EQ(sub->stop_events, 1);
  ASSERT_EQ(stops(sink).size(), 1u);
  EXPECT_EQ(stops(sink)[0].reason, "kicked");
  EXPECT_EQ(count(sink, "stream_delete"), 1u);
}

TEST_F(PlayerRoleTest, DestroyingTheOwnerEndsTheRoleBeforeTheOwnersCloseEvent) {
  auto sub = std::make_shared<FakeSubscriber>();
  {
    Owner owner(sink, "p1");
    owner.role = join(sub);
  }
  EXPECT_EQ(sink.names(), (Names{"stream_create", "play_start", "subscriber_count", "play_stop",
                                 "subscriber_count", "stream_delete", "connection_close"}));
  EXPECT_EQ(stops(sink).at(0).reason, "error");
  EXPECT_EQ(registry.counts().players, 0u);
}

TEST_F(PlayerRoleTest, TheStreamDoesNotKeepTheOwnerAlive) {
  // A publisher holds the attached subscriber until its next message; the
  // owner (a session) must still be destroyable, ending its role.
  auto publisher = registry.publish("live/a", "c1", {});
  auto owner = std::make_shared<Owner>(sink, "p1");
  std::weak_ptr<Owner> weak = owner;
  owner->role = join(std::make_shared<FakeSubscriber>());
  publisher.stream().publish_media(testing::audio(0));  // attached
  owner.reset();
  EXPECT_TRUE(weak.expired());
  EXPECT_EQ(stops(sink).size(), 1u);
  publisher.stream().publish_media(testing::audio(10));  // drops the closed link
  publisher.end(StopReason::kClient);
  EXPECT_EQ(sink.names().back(), "stream_delete");
}

TEST_F(PlayerRoleTest, AnExceptionDuringSetupEndsTheRoleTakenBeforeIt) {
  auto sub = std::make_shared<FakeSubscriber>();
  const auto setup = [&] {
    Owner owner(sink, "p1");
    owner.role = join(sub);
    throw std::runtime_error("setup failed after the role was taken");
  };
  EXPECT_THROW(setup(), std::runtime_error);
  EXPECT_EQ(count(sink, "play_start"), 1u);
  EXPECT_EQ(count(sink, "play_stop"), 1u);
  EXPECT_EQ(sink.names().back(), "connection_close");
  EXPECT_EQ(count(sink, "stream_delete"), 1u);
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(PlayerRoleTest, ServerShutdownEndsRolesHeldByPendingWork) {
  auto publisher = registry.publish("live/a", "c1", {});
  {
    boost::asio::io_context ioc;
    for (const char* conn : {"p1", "p2", "p3"}) {
      auto owner = std::make_shared<Owner>(sink, conn);
      owner->role = join(std::make_shared<FakeSubscriber>(), conn);
      boost::asio::post(ioc, [owner] {});
    }
    registry.begin_shutdown();
  }
  auto s = stops(sink);
  ASSERT_EQ(s.size(), 3u);
  for (const auto& stop : s) EXPECT_EQ(stop.reason, "shutdown");
  EXPECT_EQ(count(sink, "stream_delete"), 0u);  // the publisher is still on it
  publisher = {};                               // and goes last, by destruction too
  EXPECT_EQ(
      sink.names(),
      (Names{"stream_create", "publish_start", "play_start", "subscriber_count", "play_start",
             "subscriber_count", "play_start", "subscriber_count", "play_stop", "subscriber_count",
             "connection_close", "play_stop", "subscriber_count", "connection_close", "play_stop",
             "subscriber_count", "connection_close", "publish_stop", "stream_delete"}));
}

TEST_F(PlayerRoleTest, NoRoleNoStop) {
  auto sub = std::make_shared<FakeSubscriber>();
  auto role = join(sub);
  {
    PlayerRole empty;
    empty.end(StopReason::kClient);
    PlayerRole moved = std::move(role);
    EXPECT_FALSE(role);  // NOLINT(bugprone-use-after-move): a moved-from role is empty
    role.end(StopReason::kClient);
    EXPECT_TRUE(stops(sink).empty());
  }  // `moved` ends here
  EXPECT_EQ(stops(sink).size(), 1u);
  EXPECT_EQ(sub->stop_events, 1);
}

TEST_F(PlayerRoleTest, EveryStopHasItsStartAcrossThreads) {
  auto publisher = registry.publish("live/a", "c1", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto role = join(std::make_shared<FakeSubscriber>(), "p" + std::to_string(t));
        if (i % 2 == 0) role.end(StopReason::kClient);  // else by destruction
      }
    });
  }
  for (int i = 0; i < 200; ++i) publisher.stream().publish_media(testing::audio(i));
  for (auto& t : threads) t.join();
  EXPECT_EQ(count(sink, "play_start"), 200u);
  EXPECT_EQ(count(sink, "play_stop"), 200u);
  EXPECT_EQ(registry.counts().players, 0u);
  publisher.end(StopReason::kClient);
  EXPECT_EQ(count(sink, "stream_delete"), 1u);
}

}  // namespace
}  // namespace rtmp::registry
