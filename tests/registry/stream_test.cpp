#include "ingest/registry/stream.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "fake_subscriber.hpp"
#include "ingest/events/recording_sink.hpp"
#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {
namespace {

using testing::FakeSubscriber;
using Burst = std::vector<MediaPtr>;

// A Stream is made and wired by the registry; the tests publish through it and
// look at the cache through what a late player's burst holds.
class StreamTest : public ::testing::Test {
 protected:
  explicit StreamTest(StreamLimits limits = {}) : registry(sink, limits) {
    publisher = registry.publish("live/s", "pub", {});
    stream = &publisher.stream();
  }

  // What a player joining now gets at the next message (which it also gets live).
  Burst late_burst() {
    auto sub = std::make_shared<FakeSubscriber>(1023);
    PlayerRole role = registry.join("live/s", sub, "late");
    stream->publish_media(testing::audio(999999));
    role.end(events::StopReason::kClient);
    EXPECT_EQ(sub->attaches, 1);
    return sub->bursts.empty() ? Burst{} : sub->bursts[0];
  }

  events::RecordingSink sink;
  StreamRegistry registry;
  PublisherRole publisher;
  std::vector<PlayerRole> players;  // of the players a test joins
  Stream* stream = nullptr;
};

TEST_F(StreamTest, FramesBeforeTheFirstKeyframeAreNotCached) {
  const auto vcfg = testing::video_config();
  stream->publish_media(vcfg);
  stream->publish_media(testing::video(0, false));
  stream->publish_media(testing::audio(10));
  EXPECT_EQ(late_burst(), (Burst{vcfg}));
}

TEST_F(StreamTest, GopResetsAtEachKeyframe) {
  const auto k1 = testing::video(0, true);
  const auto p1 = testing::video(33, false);
  stream->publish_media(k1);
  stream->publish_media(p1);
  EXPECT_EQ(late_burst(), (Burst{k1, p1}));
  // The probe audio of late_burst() belongs to the GOP too.
  const auto k2 = testing::video(66, true);
  stream->publish_media(k2);
  EXPECT_EQ(late_burst(), (Burst{k2}));
  const auto k3 = testing::video(99, true);
  const auto a = testing::audio(100);
  stream->publish_media(k3);
  stream->publish_media(a);
  EXPECT_EQ(late_burst(), (Burst{k3, a}));
}

TEST_F(StreamTest, NewerSequenceHeadersReplaceOlderOnes) {
  const auto v1 = testing::video_config(0);
  const auto v2 = testing::video_config(100);
  const auto a1 = testing::audio_config(0);
  const auto a2 = testing::audio_config(100);
  stream->publish_media(v1);
  stream->publish_media(a1);
  stream->publish_media(v2);
  stream->publish_media(a2);
  EXPECT_EQ(late_burst(), (Burst{v2, a2}));
}

TEST_F(StreamTest, MetadataComesFirstAndIsNotTakenForAnAudioConfig) {
  const auto meta = testing::metadata();
  const auto acfg = testing::audio_config();
  const auto vcfg = testing::video_config();
  stream->publish_media(acfg);
  stream->publish_media(meta);  // after the audio config: must not replace it
  stream->publish_media(vcfg);
  EXPECT_EQ(late_burst(), (Burst{meta, vcfg, acfg}));
}

TEST_F(StreamTest, HasVideoOnceVideoIsSeen) {
  stream->publish_media(testing::audio_config());
  stream->publish_media(testing::audio(0));
  EXPECT_FALSE(stream->has_video());
  stream->publish_media(testing::video(10, false));
  EXPECT_TRUE(stream->has_video());
}

TEST_F(StreamTest, FansOutTheSameMessageToEveryAttachedPlayer) {
  std::vector<std::shared_ptr<FakeSubscriber>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_shared<FakeSubscriber>());
    players.push_back(registry.join("live/s", subs.back(), "p"));
  }
  const auto m = testing::video(0, true);
  stream->publish_media(m);
  for (auto& s : subs) {
    auto got = s->drain();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].get(), m.get());  // one shared buffer, not copies
  }
  EXPECT_EQ(m.use_count(), 2);  // ours + the GOP cache: the rings let go on pop
}

TEST_F(StreamTest, PlayersJoiningTogetherShareOneBurstSnapshot) {
  const auto meta = testing::metadata();
  const auto vcfg = testing::video_config();
  const auto acfg = testing::audio_config();
  const auto k1 = testing::video(0, true);
  const auto p1 = testing::video(33, false);
  for (const auto& m : {meta, vcfg, acfg, k1, p1}) stream->publish_media(m);
  std::vector<std::shared_ptr<FakeSubscriber>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_shared<FakeSubscriber>());
    players.push_back(registry.join("live/s", subs.back(), "p"));
  }
  stream->publish_media(testing::audio(40));  // attaches all three
  ASSERT_EQ(subs[0]->snapshots.size(), 1u);
  const BurstPtr& shared = subs[0]->snapshots[0];
  for (auto& s : subs) EXPECT_EQ(s->snapshots.at(0).get(), shared.get());
  EXPECT_EQ(shared->messages, (Burst{meta, vcfg, acfg, k1, p1}));
  EXPECT_EQ(shared->messages[3].get(), k1.get());  // the cached buffers, not copies
  // head: what a first frame needs (metadata, configs, the keyframe).
  EXPECT_EQ(shared->head, 4u);
}

TEST_F(StreamTest, ABurstSnapshotIsRebuiltAfterANewMessageAndNeverChanges) {
  const auto vcfg = testing::video_config();
  const auto k1 = testing::video(0, true);
  stream->publish_media(vcfg);
  stream->publish_media(k1);
  auto first = std::make_shared<FakeSubscriber>();
  players.push_back(registry.join("live/s", first, "p1"));
  const auto p1 = testing::video(33, false);
  stream->publish_media(p1);  // attaches `first` (vcfg, k1), then caches p1
  auto second = std::make_shared<FakeSubscriber>();
  players.push_back(registry.join("live/s", second, "p2"));
  const auto p2 = testing::video(66, false);
  stream->publish_media(p2);
  ASSERT_EQ(first->snapshots.size(), 1u);
  ASSERT_EQ(second->snapshots.size(), 1u);
  EXPECT_NE(first->snapshots[0].get(), second->snapshots[0].get());
  EXPECT_EQ(first->snapshots[0]->messages, (Burst{vcfg, k1}));  // not changed by p1, p2
  EXPECT_EQ(second->snapshots[0]->messages, (Burst{vcfg, k1, p1}));
  EXPECT_EQ(second->snapshots[0]->head, 2u);
  // A new keyframe starts a new GOP: the next snapshot starts there.
  const auto k2 = testing::video(99, true);
  stream->publish_media(k2);
  EXPECT_EQ(late_burst(), (Burst{vcfg, k2}));
}

TEST_F(StreamTest, ABurstWithoutAGopEndsItsHeadAtTheConfigs) {
  const auto acfg = testing::audio_config();
  stream->publish_media(acfg);
  stream->publish_media(testing::audio(0));  // audio-only: no GOP is cached
  auto sub = std::make_shared<FakeSubscriber>();
  players.push_back(registry.join("live/s", sub, "p"));
  stream->publish_media(testing::audio(23));
  ASSERT_EQ(sub->snapshots.size(), 1u);
  EXPECT_EQ(sub->snapshots[0]->messages, (Burst{acfg}));
  EXPECT_EQ(sub->snapshots[0]->head, 1u);
}

class SmallGopStreamTest : public StreamTest {
 protected:
  SmallGopStreamTest() : StreamTest(StreamLimits{250}) {}
};

TEST_F(SmallGopStreamTest, AGopOverTheLimitIsDroppedUntilTheNextKeyframe) {
  const auto k1 = testing::video(0, true, 100);
  const auto p1 = testing::video(33, false, 100);
  stream->publish_media(k1);
  stream->publish_media(p1);
  // 200 bytes + the 20-byte probe of late_burst(): still within 250.
  EXPECT_EQ(late_burst(), (Burst{k1, p1}));
  stream->publish_media(testing::video(66, false, 100));  // 320 > 250: dropped
  stream->publish_media(testing::video(99, false, 10));
  auto burst = late_burst();
  EXPECT_TRUE(burst.empty()) << burst.size();
  const auto k2 = testing::video(132, true, 100);
  stream->publish_media(k2);
  EXPECT_EQ(late_burst(), (Burst{k2}));
}

// A player that joins while no GOP is cached (it grew past the limit) gets
// no video until the next keyframe: it starts where it can decode. Audio
// comes meanwhile.
TEST_F(SmallGopStreamTest, APlayerJoiningWithoutAGopStartsAtTheNextKeyframe) {
  stream->publish_media(testing::video(0, true, 100));
  stream->publish_media(testing::video(33, false, 200));  // past the limit: not cached
  auto sub = std::make_shared<FakeSubscriber>();
  players.push_back(registry.join("live/s", sub, "late"));
  const auto p = testing::video(66, false, 10);
  const auto a = testing::audio(70);
  const auto k = testing::video(99, true, 10);
  const auto p2 = testing::video(132, false, 10);
  for (const auto& m : {p, a, k, p2}) stream->publish_media(m);
  ASSERT_EQ(sub->attaches, 1);
  EXPECT_TRUE(sub->bursts.at(0).empty());
  EXPECT_EQ(sub->drain(), (Burst{a, k, p2}));
  EXPECT_EQ(sub->link().dropped(), 0u);  // waiting to start is not dropping
}

TEST_F(SmallGopStreamTest, AKeyframeAloneOverTheLimitIsNotCached) {
  const auto vcfg = testing::video_config();
  stream->publish_media(vcfg);
  stream->publish_media(testing::video(0, true, 300));
  stream->publish_media(testing::video(33, false, 10));
  EXPECT_EQ(late_burst(), (Burst{vcfg}));
}

// Enhanced RTMP multitrack: each track's configuration reaches a late
// player (track 0's first), and only track 0's keyframes start the GOP.
TEST_F(StreamTest, MultitrackKeepsEveryTracksConfigAndTrackZerosGop) {
  const auto vtrack = [](uint32_t ts, bool key, bool config, uint8_t track) {
    return make_media_message(static_cast<uint8_t>(protocol::MessageType::kVideo), ts,
                              {0x96, 0x00, 0, 0, 0, 0, track}, 4096, key, config, track);
  };
  const auto cfg0 = vtrack(0, false, true, 0);
  const auto cfg1 = vtrack(0, false, true, 1);
  const auto cfg1b = vtrack(0, false, true, 1);  // track 1 configured again: replaces cfg1
  const auto acfg = testing::audio_config();
  const auto k0 = testing::video(0, true);
  const auto t1 = vtrack(10, false, false, 1);  // track 1's frames are never keyframes
  const auto p0 = testing::video(33, false);
  for (const auto& m : {cfg0, cfg1, acfg, cfg1b, k0, t1, p0}) stream->publish_media(m);
  EXPECT_EQ(late_burst(), (Burst{cfg0, acfg, cfg1b, k0, t1, p0}));
}

// A player that waited for the publisher gets the stream from its start, but
// its video only from the first keyframe: a publish that begins mid-GOP (a
// relay, an encoder that joined late) would hand it frames it cannot decode.
TEST(StreamWaitingPlayer, StartsAtTheFirstKeyframe) {
  events::RecordingSink sink;
  StreamRegistry registry(sink, {});
  auto sub = std::make_shared<FakeSubscriber>();
  PlayerRole waiting = registry.join("live/w", sub, "early");
  PublisherRole pub = registry.publish("live/w", "pub", {});
  const auto vcfg = testing::video_config();
  const auto acfg = testing::audio_config();
  const auto p1 = testing::video(0, false);
  const auto a1 = testing::audio(10);
  const auto p2 = testing::video(33, false);
  const auto k = testing::video(2000, true);
  const auto p3 = testing::video(2033, false);
  for (const auto& m : {vcfg, acfg, p1, a1, p2, k, p3}) pub.stream().publish_media(m);
  ASSERT_EQ(sub->attaches, 1);
  Burst got = sub->bursts.at(0);
  for (const auto& m : sub->drain()) got.push_back(m);
  EXPECT_EQ(got, (Burst{vcfg, acfg, a1, k, p3}));
  EXPECT_EQ(sub->link().dropped(), 0u);  // waiting to start is not dropping
}

// A publisher that switches to a codec without sequence headers (AAC to MP3,
// AVC to H.263) must not leave the old codec's header to late players.
TEST_F(StreamTest, ACodecWithoutHeadersDropsTheOldCodecsHeader) {
  const auto vcfg = testing::video_config();
  const auto acfg = testing::audio_config();
  const auto k = testing::video(0, true);
  stream->publish_media(vcfg);
  stream->publish_media(acfg);
  stream->publish_media(k);
  const auto mp3 = make_media_message(static_cast<uint8_t>(protocol::MessageType::kAudio), 10,
                                      {0x2F, 0xFF, 0xFB, 0x90}, 4096, false, false);
  stream->publish_media(mp3);
  // The late burst's probe is an AAC frame: its own codec has no header kept
  // any more, so it changes nothing here.
  EXPECT_EQ(late_burst(), (Burst{vcfg, k, mp3}));
  // H.263 (codec id 2) frames after AVC: the AVC header goes too.
  const auto h263 = make_media_message(static_cast<uint8_t>(protocol::MessageType::kVideo), 66,
                                       {0x12, 0x00, 0x00, 0x84}, 4096, true, false);
  stream->publish_media(h263);
  EXPECT_EQ(late_burst(), (Burst{h263}));
  // Frames of the kept codec leave its header alone, in either form: an
  // Enhanced RTMP 'avc1' frame after a legacy AVC header.
  const auto vcfg2 = testing::video_config(100);
  stream->publish_media(vcfg2);
  const auto ex_avc = make_media_message(static_cast<uint8_t>(protocol::MessageType::kVideo), 133,
                                         {0x91, 'a', 'v', 'c', '1', 0, 0, 0}, 4096, true, false);
  stream->publish_media(ex_avc);
  EXPECT_EQ(late_burst(), (Burst{vcfg2, ex_avc}));
}

}  // namespace
}  // namespace rtmp::registry
