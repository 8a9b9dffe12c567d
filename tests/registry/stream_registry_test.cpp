#include "ingest/registry/stream_registry.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_subscriber.hpp"
#include "ingest/events/recording_sink.hpp"

namespace rtmp::registry {
namespace {

using testing::FakeSubscriber;
using Names = std::vector<std::string>;

class StreamRegistryTest : public ::testing::Test {
 protected:
  // on_start/on_stop callbacks that emit the caller's own event into the same
  // sink, so the order of both kinds can be checked.
  StreamRegistry::Emit emit(const std::string& conn, events::EventData data) {
    return [this, conn, data] { sink.emit(events::Event{conn, "live/a", data, 0}); };
  }
  std::shared_ptr<Stream> publish(const std::string& conn, const std::string& key = "live/a") {
    return registry.publish(key, conn, emit(conn, events::PublishStart{}));
  }
  void unpublish(const std::shared_ptr<Stream>& s, const std::string& conn) {
    registry.unpublish(s, conn, emit(conn, events::PublishStop{}));
  }
  std::shared_ptr<Stream> join(const std::shared_ptr<FakeSubscriber>& sub, const std::string& conn,
                               const std::string& key = "live/a") {
    return registry.join(key, sub, conn, emit(conn, events::PlayStart{}));
  }
  void leave(const std::shared_ptr<Stream>& s, const std::shared_ptr<FakeSubscriber>& sub,
             const std::string& conn) {
    registry.leave(s, sub, conn, emit(conn, events::PlayStop{}));
  }
  std::vector<uint32_t> counts() const {
    std::vector<uint32_t> out;
    for (const auto& e : sink.events()) {
      if (auto* c = std::get_if<events::SubscriberCount>(&e.data)) out.push_back(c->count);
    }
    return out;
  }

  events::RecordingSink sink;
  StreamRegistry registry{sink, StreamLimits{}};
};

TEST_F(StreamRegistryTest, PublishCreatesTheStreamOnceAndRefusesABusyKey) {
  auto s = publish("c1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->key(), "live/a");
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start"}));
  for (const auto& e : sink.events()) {
    EXPECT_EQ(e.conn_id, "c1");
    EXPECT_EQ(e.stream_key, "live/a");
  }

  EXPECT_EQ(publish("c2"), nullptr);
  EXPECT_EQ(sink.names().size(), 2u);  // no event, on_start not called

  auto other = publish("c3", "live/b");
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other, s);
  EXPECT_EQ(sink.names_for("c3"), (Names{"stream_create", "publish_start"}));
  EXPECT_EQ(registry.counts().streams, 2u);
  EXPECT_EQ(registry.counts().publishers, 2u);
}

TEST_F(StreamRegistryTest, UnpublishDeletesAnEmptyStreamAndFreesTheKey) {
  auto s = publish("c1");
  unpublish(s, "c1");
  EXPECT_EQ(sink.names(),
            (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
  EXPECT_EQ(registry.counts().streams, 0u);

  sink.clear();
  auto again = publish("c2");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start"}));
}

TEST_F(StreamRegistryTest, PlayerBeforePublisherWaitsAndIsAttachedAtTheNextMedia) {
  auto sub = std::make_shared<FakeSubscriber>();
  auto joined = join(sub, "p1");
  EXPECT_EQ(sink.names(), (Names{"stream_create", "play_start", "subscriber_count"}));
  EXPECT_EQ(counts(), (std::vector<uint32_t>{1}));
  EXPECT_EQ(registry.counts().players, 1u);
  EXPECT_EQ(registry.counts().publishers, 0u);

  auto s = publish("c1");
  ASSERT_EQ(s, joined);  // the same stream: no second stream_create
  EXPECT_EQ(sink.names_for("c1"), (Names{"publish_start"}));
  EXPECT_EQ(sub->attaches, 0);  // not on publish, on the publisher's strand

  s->publish_media(testing::metadata());
  ASSERT_EQ(sub->attaches, 1);
  EXPECT_TRUE(sub->bursts[0].empty());  // nothing was cached yet
  // The message that attached it is delivered live.
  auto live = sub->drain();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0]->video);

  s->publish_media(testing::video(0, true));
  EXPECT_EQ(sub->attaches, 1);
  EXPECT_EQ(sub->drain().size(), 1u);
}

TEST_F(StreamRegistryTest, LateJoinerGetsMetadataConfigsAndTheGopFromTheLastKeyframe) {
  auto s = publish("c1");
  const auto meta = testing::metadata();
  const auto vcfg = testing::video_config();
  const auto acfg = testing::audio_config();
  s->publish_media(meta);
  s->publish_media(vcfg);
  s->publish_media(acfg);
  s->publish_media(testing::video(0, true));
  s->publish_media(testing::video(33, false));
  s->publish_media(testing::audio(40));
  const auto k2 = testing::video(66, true);
  const auto p2 = testing::video(99, false);
  const auto a2 = testing::audio(100);
  s->publish_media(k2);
  s->publish_media(p2);
  s->publish_media(a2);

  auto sub = std::make_shared<FakeSubscriber>();
  join(sub, "p1");
  EXPECT_EQ(sub->attaches, 0);
  const auto next = testing::video(132, false);
  s->publish_media(next);
  ASSERT_EQ(sub->attaches, 1);
  EXPECT_EQ(sub->bursts[0], (std::vector<MediaPtr>{meta, vcfg, acfg, k2, p2, a2}));
  EXPECT_EQ(sub->drain(), (std::vector<MediaPtr>{next}));
}

TEST_F(StreamRegistryTest, SubscriberCountCountsAndTheLastOneOutDeletes) {
  auto a = std::make_shared<FakeSubscriber>();
  auto b = std::make_shared<FakeSubscriber>();
  auto s = join(a, "p1");
  EXPECT_EQ(join(b, "p2"), s);
  EXPECT_EQ(registry.counts().players, 2u);
  leave(s, a, "p1");
  EXPECT_TRUE(a->link().closed());
  EXPECT_EQ(sink.names_for("p1"),
            (Names{"stream_create", "play_start", "subscriber_count", "play_stop",
                   "subscriber_count"}));
  leave(s, b, "p2");
  EXPECT_EQ(sink.names_for("p2"), (Names{"play_start", "subscriber_count", "play_stop",
                                         "subscriber_count", "stream_delete"}));
  EXPECT_EQ(counts(), (std::vector<uint32_t>{1, 2, 1, 0}));
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(StreamRegistryTest, PublisherLeavingKeepsPlayersWhoWaitForTheNext) {
  auto s = publish("c1");
  auto sub = std::make_shared<FakeSubscriber>();
  join(sub, "p1");
  s->publish_media(testing::video_config());
  s->publish_media(testing::video(0, true));
  ASSERT_EQ(sub->attaches, 1);

  unpublish(s, "c1");
  EXPECT_EQ(sub->gone, 1);
  EXPECT_EQ(sink.names_for("c1").back(), "publish_stop");  // no stream_delete: a player is left
  EXPECT_EQ(registry.counts().streams, 1u);
  EXPECT_EQ(registry.counts().publishers, 0u);

  // The next publisher takes the same stream; the player is attached again
  // with only what the new publisher sent (the old cache is gone).
  auto s2 = publish("c2");
  ASSERT_EQ(s2, s);
  EXPECT_EQ(sink.names_for("c2"), (Names{"publish_start"}));
  sub->drain();
  const auto k = testing::video(0, true);
  s2->publish_media(k);
  ASSERT_EQ(sub->attaches, 2);
  EXPECT_TRUE(sub->bursts[1].empty());
  EXPECT_EQ(sub->drain(), (std::vector<MediaPtr>{k}));

  // Last out: the player leaves after the publisher.
  unpublish(s2, "c2");
  leave(s2, sub, "p1");
  EXPECT_EQ(sink.names().back(), "stream_delete");
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(StreamRegistryTest, UnpublishTellsEveryWaitingOrAttachedPlayer) {
  auto s = publish("c1");
  auto attached = std::make_shared<FakeSubscriber>();
  join(attached, "p1");
  s->publish_media(testing::audio(0));
  auto waiting = std::make_shared<FakeSubscriber>();
  join(waiting, "p2");  // not attached yet: no media since
  ASSERT_EQ(attached->attaches, 1);
  ASSERT_EQ(waiting->attaches, 0);
  unpublish(s, "c1");
  EXPECT_EQ(attached->gone, 1);
  EXPECT_EQ(waiting->gone, 1);
  // A pending attach of the old publisher is not carried to the next one twice.
  auto s2 = publish("c2");
  s2->publish_media(testing::audio(10));
  EXPECT_EQ(waiting->attaches, 1);
  EXPECT_EQ(attached->attaches, 2);
}

TEST_F(StreamRegistryTest, PlayerLeavingIsDroppedByThePublisher) {
  auto s = publish("c1");
  auto a = std::make_shared<FakeSubscriber>();
  auto b = std::make_shared<FakeSubscriber>();
  join(a, "p1");
  join(b, "p2");
  s->publish_media(testing::audio(0));
  a->drain();
  b->drain();
  leave(s, a, "p1");
  s->publish_media(testing::audio(10));
  EXPECT_EQ(a->link().queued(), 0u);
  EXPECT_EQ(b->link().queued(), 1u);
  EXPECT_EQ(sink.names().back(), "subscriber_count");  // publisher still there: no delete
}

TEST_F(StreamRegistryTest, PlayerLeavingBeforeAttachIsNeverAttached) {
  auto s = publish("c1");
  auto sub = std::make_shared<FakeSubscriber>();
  join(sub, "p1");
  leave(s, sub, "p1");
  s->publish_media(testing::audio(0));
  EXPECT_EQ(sub->attaches, 0);
  EXPECT_EQ(sub->link().queued(), 0u);
}

}  // namespace
}  // namespace rtmp::registry
