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
  PublisherRole publish(const std::string& conn, const std::string& key = "live/a") {
    return registry.publish(key, conn, events::PublishStart{});
  }
  PlayerRole join(const std::shared_ptr<FakeSubscriber>& sub, const std::string& conn,
                  const std::string& key = "live/a") {
    return registry.join(key, sub, conn);
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
  ASSERT_TRUE(s);
  EXPECT_EQ(s.key(), "live/a");
  EXPECT_EQ(sink.names(), (Names{"stream_create", "publish_start"}));
  for (const auto& e : sink.events()) {
    EXPECT_EQ(e.conn_id, "c1");
    EXPECT_EQ(e.stream_key, "live/a");
  }

  EXPECT_FALSE(publish("c2"));
  EXPECT_EQ(sink.names().size(), 2u);  // no event, for the refusal nor its (empty) role's end

  auto other = publish("c3", "live/b");
  ASSERT_TRUE(other);
  EXPECT_NE(&other.stream(), &s.stream());
  EXPECT_EQ(sink.names_for("c3"), (Names{"stream_create", "publish_start"}));
  EXPECT_EQ(registry.counts().streams, 2u);
  EXPECT_EQ(registry.counts().publishers, 2u);
}

TEST_F(StreamRegistryTest, PublishStartCarriesAddressAndQuery) {
  auto s = registry.publish("live/a", "c1", events::PublishStart{"1.2.3.4:5", "x=1"});
  const auto start = std::get<events::PublishStart>(sink.events().back().data);
  EXPECT_EQ(start.remote_addr, "1.2.3.4:5");
  EXPECT_EQ(start.query, "x=1");
}

TEST_F(StreamRegistryTest, UnpublishDeletesAnEmptyStreamAndFreesTheKey) {
  auto s = publish("c1");
  s.end(events::StopReason::kClient);
  EXPECT_EQ(sink.names(),
            (Names{"stream_create", "publish_start", "publish_stop", "stream_delete"}));
  EXPECT_EQ(registry.counts().streams, 0u);

  sink.clear();
  auto again = publish("c2");
  ASSERT_TRUE(again);
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
  ASSERT_EQ(&s.stream(), &joined.stream());  // the same stream: no second stream_create
  EXPECT_EQ(sink.names_for("c1"), (Names{"publish_start"}));
  EXPECT_EQ(sub->attaches, 0);  // not on publish, on the publisher's strand

  s.stream().publish_media(testing::metadata());
  ASSERT_EQ(sub->attaches, 1);
  EXPECT_TRUE(sub->bursts[0].empty());  // nothing was cached yet
  // The message that attached it is delivered live.
  auto live = sub->drain();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0]->video);

  s.stream().publish_media(testing::video(0, true));
  EXPECT_EQ(sub->attaches, 1);
  EXPECT_EQ(sub->drain().size(), 1u);
}

TEST_F(StreamRegistryTest, LateJoinerGetsMetadataConfigsAndTheGopFromTheLastKeyframe) {
  auto s = publish("c1");
  const auto meta = testing::metadata();
  const auto vcfg = testing::video_config();
  const auto acfg = testing::audio_config();
  Stream& st = s.stream();
  st.publish_media(meta);
  st.publish_media(vcfg);
  st.publish_media(acfg);
  st.publish_media(testing::video(0, true));
  st.publish_media(testing::video(33, false));
  st.publish_media(testing::audio(40));
  const auto k2 = testing::video(66, true);
  const auto p2 = testing::video(99, false);
  const auto a2 = testing::audio(100);
  st.publish_media(k2);
  st.publish_media(p2);
  st.publish_media(a2);

  auto sub = std::make_shared<FakeSubscriber>();
  auto player = join(sub, "p1");
  EXPECT_EQ(sub->attaches, 0);
  const auto next = testing::video(132, false);
  st.publish_media(next);
  ASSERT_EQ(sub->attaches, 1);
  EXPECT_EQ(sub->bursts[0], (std::vector<MediaPtr>{meta, vcfg, acfg, k2, p2, a2}));
  EXPECT_EQ(sub->drain(), (std::vector<MediaPtr>{next}));
}

TEST_F(StreamRegistryTest, SubscriberCountCountsAndTheLastOneOutDeletes) {
  auto a = std::make_shared<FakeSubscriber>();
  auto b = std::make_shared<FakeSubscriber>();
  auto ra = join(a, "p1");
  auto rb = join(b, "p2");
  EXPECT_EQ(&rb.stream(), &ra.stream());
  EXPECT_EQ(registry.counts().players, 2u);
  ra.end(events::StopReason::kClient);
  EXPECT_TRUE(a->link().closed());
  EXPECT_EQ(sink.names_for("p1"), (Names{"stream_create", "play_start", "subscriber_count",
                                         "play_stop", "subscriber_count"}));
  rb.end(events::StopReason::kClient);
  EXPECT_EQ(sink.names_for("p2"), (Names{"play_start", "subscriber_count", "play_stop",
                                         "subscriber_count", "stream_delete"}));
  EXPECT_EQ(counts(), (std::vector<uint32_t>{1, 2, 1, 0}));
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(StreamRegistryTest, AConsumerThatIsNoPlayerIsNotCountedButKeepsTheStream) {
  auto player = std::make_shared<FakeSubscriber>();
  auto recorder = std::make_shared<FakeSubscriber>();
  recorder->player = false;
  auto rp = join(player, "p1");
  auto rr = join(recorder, "r1");
  EXPECT_EQ(sink.names_for("r1"), (Names{"play_start"}));  // its start, no subscriber_count
  EXPECT_EQ(registry.counts().players, 1u);
  rp.end(events::StopReason::kClient);
  EXPECT_EQ(counts(), (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(registry.counts().streams, 1u);  // the recorder is still on it
  rr.end(events::StopReason::kClient);
  EXPECT_EQ(sink.names_for("r1"), (Names{"play_start", "play_stop", "stream_delete"}));
}

TEST_F(StreamRegistryTest, PublisherLeavingKeepsPlayersWhoWaitForTheNext) {
  auto s = publish("c1");
  auto sub = std::make_shared<FakeSubscriber>();
  auto player = join(sub, "p1");
  Stream* stream = &s.stream();
  stream->publish_media(testing::video_config());
  stream->publish_media(testing::video(0, true));
  ASSERT_EQ(sub->attaches, 1);

  s.end(events::StopReason::kClient);
  EXPECT_EQ(sub->gone, 1);
  EXPECT_EQ(sink.names_for("c1").back(), "publish_stop");  // no stream_delete: a player is left
  EXPECT_EQ(registry.counts().streams, 1u);
  EXPECT_EQ(registry.counts().publishers, 0u);

  // The next publisher takes the same stream; the player is attached again
  // with only what the new publisher sent (the old cache is gone).
  auto s2 = publish("c2");
  ASSERT_EQ(&s2.stream(), stream);
  EXPECT_EQ(sink.names_for("c2"), (Names{"publish_start"}));
  sub->drain();
  const auto k = testing::video(0, true);
  s2.stream().publish_media(k);
  ASSERT_EQ(sub->attaches, 2);
  EXPECT_TRUE(sub->bursts[1].empty());
  EXPECT_EQ(sub->drain(), (std::vector<MediaPtr>{k}));

  // Last out: the player leaves after the publisher.
  s2.end(events::StopReason::kClient);
  player.end(events::StopReason::kClient);
  EXPECT_EQ(sink.names().back(), "stream_delete");
  EXPECT_EQ(registry.counts().streams, 0u);
}

TEST_F(StreamRegistryTest, UnpublishTellsEveryWaitingOrAttachedPlayer) {
  auto s = publish("c1");
  auto attached = std::make_shared<FakeSubscriber>();
  auto r1 = join(attached, "p1");
  s.stream().publish_media(testing::audio(0));
  auto waiting = std::make_shared<FakeSubscriber>();
  auto r2 = join(waiting, "p2");  // not attached yet: no media since
  ASSERT_EQ(attached->attaches, 1);
  ASSERT_EQ(waiting->attaches, 0);
  s.end(events::StopReason::kClient);
  EXPECT_EQ(attached->gone, 1);
  EXPECT_EQ(waiting->gone, 1);
  // A pending attach of the old publisher is not carried to the next one twice.
  auto s2 = publish("c2");
  s2.stream().publish_media(testing::audio(10));
  EXPECT_EQ(waiting->attaches, 1);
  EXPECT_EQ(attached->attaches, 2);
}

TEST_F(StreamRegistryTest, PlayerLeavingIsDroppedByThePublisher) {
  auto s = publish("c1");
  auto a = std::make_shared<FakeSubscriber>();
  auto b = std::make_shared<FakeSubscriber>();
  auto ra = join(a, "p1");
  auto rb = join(b, "p2");
  s.stream().publish_media(testing::audio(0));
  a->drain();
  b->drain();
  ra.end(events::StopReason::kClient);
  s.stream().publish_media(testing::audio(10));
  EXPECT_EQ(a->link().queued(), 0u);
  EXPECT_EQ(b->link().queued(), 1u);
  EXPECT_EQ(sink.names().back(), "subscriber_count");  // publisher still there: no delete
}

TEST_F(StreamRegistryTest, PlayerLeavingBeforeAttachIsNeverAttached) {
  auto s = publish("c1");
  auto sub = std::make_shared<FakeSubscriber>();
  auto player = join(sub, "p1");
  player.end(events::StopReason::kClient);
  s.stream().publish_media(testing::audio(0));
  EXPECT_EQ(sub->attaches, 0);
  EXPECT_EQ(sub->link().queued(), 0u);
}

}  // namespace
}  // namespace rtmp::registry
