#include "ingest/registry/publisher_role.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_subscriber.hpp"
#include "ingest/events/recording_sink.hpp"
#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {
namespace {

using testing::FakeSubscriber;
using Names = std::vector<std::string>;
using events::StopReason;

// The publish_stop events recorded so far.
std::vector<events::PublishStop> stops(const events::RecordingSink& sink) {
  std::vector<events::PublishStop> out;
  for (const auto& e : sink.events()) {
    if (auto* s = std::get_if<events::PublishStop>(&e.data)) out.push_back(*s);
  }
  return out;
}

// An owner of a role, as a session is: it counts into the role's stats and
// emits its own close event after the role has ended.
struct Owner {
  Owner(events::EventSink& sink, PublisherRole r) : sink(sink), role(std::move(r)) {}
  ~Owner() {
    role = {};  // the role ends before the connection does
    sink.emit(events::Event{"c1", "live/a", events::ConnectionClose{"publisher", 0, "error"}, 0});
  }
  events::EventSink& sink;
  PublisherRole role;
};

class PublisherRoleTest : public ::testing::Test {
 protected:
  PublisherRole publish(const std::string& conn = "c1") {
    return registry.publish("live/a", conn, events::PublishStart{"1.2.3.4:5", ""});
  }
  events::RecordingSink sink;
  StreamRegistry registry{sink, StreamLimits{}};
};

TEST_F(PublisherRoleTest, ExplicitEndEmitsOneStopWithItsDataThenStreamDelete) {
  auto role = publish();
  role.stats().audio_packets = 3;
  role.stats().video_packets = 2;
  role.stats().total_bytes = 1234;
  role.stats().audio_codec = "AAC";
  role.stats().video_codec = "H264";
  role.end(StopReason::kClient);
  EXPECT_FALSE(role);
  EXPECT_EQ(sink.names(),
            (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
  const auto s = stops(sink);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].audio_packets, 3u);
  EXPECT_EQ(s[0].video_packets, 2u);
  EXPECT_EQ(s[0].total_bytes, 1234u);
  EXPECT_EQ(s[0].audio_codec, "AAC");
  EXPECT_EQ(s[0].video_codec, "H264");
  EXPECT_GE(s[0].duration_sec, 0.0);
  EXPECT_EQ(s[0].reason, "client");
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(PublisherRoleTest, DoubleEndAndEndAfterDestructionAreNoOps) {
  {
    auto role = publish();
    role.end(StopReason::kDisconnect);
    role.end(StopReason::kError);
  }  // and destroyed after its end
  EXPECT_EQ(stops(sink).size(), 1u);
  EXPECT_EQ(stops(sink)[0].reason, "disconnect");
  EXPECT_EQ(sink.names().back(), "stream_delete");
}

TEST_F(PublisherRoleTest, DestroyingTheOwnerEndsTheRoleBeforeTheOwnersCloseEvent) {
  {
    Owner owner(sink, publish());
    owner.role.stats().video_packets = 7;
  }
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start", "publish_stop", "stream_delete",
                                 "connection_close"}));
  ASSERT_EQ(stops(sink).size(), 1u);
  EXPECT_EQ(stops(sink)[0].video_packets, 7u);  // read from the role at its end
  EXPECT_EQ(stops(sink)[0].reason, "error");    // nobody said why
  EXPECT_EQ(registry.counts().publishers, 0u);
}

TEST_F(PublisherRoleTest, AnExceptionDuringSetupEndsTheRoleTakenBeforeIt) {
  const auto setup = [&] {
    PublisherRole role = publish();
    throw std::runtime_error("setup failed after the role was taken");
    return role;  // not reached
  };
  EXPECT_THROW(setup(), std::runtime_error);
  EXPECT_EQ(sink.names(),
            (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
  EXPECT_EQ(stops(sink).at(0).reason, "error");
  EXPECT_TRUE(publish("c2"));  // the key is free again
}

TEST_F(PublisherRoleTest, ServerShutdownEndsRolesHeldByPendingWork) {
  // As at a shutdown past its deadline: owners live only in handlers of an
  // io_context that is destroyed without running them.
  {
    boost::asio::io_context ioc;
    auto owner = std::make_shared<Owner>(sink, publish());
    auto other = std::make_shared<Owner>(sink, registry.publish("live/b", "c2", {}));
    boost::asio::post(ioc, [owner] {});
    boost::asio::post(ioc, [other] {});
    owner.reset();
    other.reset();
    registry.begin_shutdown();
  }
  const auto s = stops(sink);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].reason, "shutdown");
  EXPECT_EQ(s[1].reason, "shutdown");
  EXPECT_EQ(registry.counts().streams, 0u);
  const auto names = sink.names_for("c2");
  EXPECT_EQ(names, (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
}

TEST_F(PublisherRoleTest, ExplicitShutdownEndKeepsTheStreamForItsPlayers) {
  auto sub = std::make_shared<FakeSubscriber>();
  auto player = registry.join("live/a", sub, "p1");
  auto role = publish();
  role.end(StopReason::kShutdown);
  EXPECT_EQ(sub->gone, 1);
  EXPECT_EQ(sink.names_for("c1"), (Names{"publish_start", "publish_stop"}));
  player.end(StopReason::kShutdown);
  EXPECT_EQ(sink.names_for("p1").back(), "stream_delete");
}

TEST_F(PublisherRoleTest, NoRoleNoStop) {
  auto first = publish();
  {
    PublisherRole refused = publish("c2");  // the key is taken
    EXPECT_FALSE(refused);
    refused.end(StopReason::kClient);
    PublisherRole empty;
    empty.end(StopReason::kClient);
  }
  EXPECT_TRUE(stops(sink).empty());
  PublisherRole moved = std::move(first);
  EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move): a moved-from role is empty
  first.end(StopReason::kClient);
  EXPECT_TRUE(stops(sink).empty());
  moved.end(StopReason::kClient);
  EXPECT_EQ(stops(sink).size(), 1u);
}

TEST_F(PublisherRoleTest, MoveAssigningOverAHeldRoleEndsItOnce) {
  auto a = publish();
  auto b = registry.publish("live/b", "c2", {});
  a = std::move(b);
  EXPECT_EQ(sink.names_for("c1"),
            (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
  EXPECT_EQ(a.key(), "live/b");
  a = {};
  EXPECT_EQ(stops(sink).size(), 2u);
}

}  // namespace
}  // namespace rtmp::registry
