// EventHub: frames, ring replay after Last-Event-ID, filters, clients that
// give up, the end of the stream at shutdown, and a producer thread racing
// subscribers (run under TSan too).
#include "ingest/api/event_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "events.pb.h"

namespace rtmp::api {
namespace {

rtmphooks::Event make(uint64_t seq, rtmphooks::EventType type, const std::string& key,
                      const std::string& ingest = "abc") {
  rtmphooks::Event e;
  e.set_seq(seq);
  e.set_type(type);
  e.set_stream_key(key);
  e.set_conn_id("conn-1");
  e.set_id("evt-" + ingest + "-" + std::to_string(seq));
  e.mutable_subscriber_count()->set_count(1);
  return e;
}

struct Collector : EventClient {
  explicit Collector(size_t limit = 1000) : limit(limit) {}
  bool deliver(const std::shared_ptr<const std::string>& frame) noexcept override {
    std::lock_guard lock(mu);
    if (frames.size() >= limit) return false;
    frames.push_back(*frame);
    return true;
  }
  void finish() noexcept override {
    std::lock_guard lock(mu);
    ++finished;
  }
  int finishes() {
    std::lock_guard lock(mu);
    return finished;
  }
  std::vector<std::string> got() {
    std::lock_guard lock(mu);
    return frames;
  }
  size_t limit;
  std::mutex mu;
  std::vector<std::string> frames;
  int finished = 0;
};

std::string frame_id(const std::string& frame) {
  return frame.substr(4, frame.find('\n') - 4);
}

TEST(EventHub, FrameIsIdThenTheJsonPayload) {
  EventHub hub(10);
  auto c = std::make_shared<Collector>();
  EXPECT_TRUE(hub.subscribe(c, {}, std::nullopt).empty());
  hub.observe(make(1, rtmphooks::SUBSCRIBER_COUNT, "live/a"));
  ASSERT_EQ(c->got().size(), 1u);
  EXPECT_EQ(c->got()[0],
            "id: evt-abc-1\ndata: {\"type\":\"subscriber_count\",\"timestamp\":0,\"conn_id\":"
            "\"conn-1\",\"stream_key\":\"live/a\",\"id\":\"evt-abc-1\",\"seq\":1,\"node\":"
            "\"\",\"data\":"
            "{\"count\":1}}\n\n");
}

TEST(EventHub, ReplaysWhatFollowsLastEventIdFromTheRing) {
  EventHub hub(5);
  for (uint64_t s = 1; s <= 8; ++s) hub.observe(make(s, rtmphooks::STREAM_CREATE, "live/a"));
  auto c = std::make_shared<Collector>();
  auto missed = hub.subscribe(c, {}, std::string("evt-abc-6"));
  ASSERT_EQ(missed.size(), 2u);
  EXPECT_EQ(frame_id(*missed[0]), "evt-abc-7");
  EXPECT_EQ(frame_id(*missed[1]), "evt-abc-8");
  hub.observe(make(9, rtmphooks::STREAM_CREATE, "live/a"));
  ASSERT_EQ(c->got().size(), 1u);
  EXPECT_EQ(frame_id(c->got()[0]), "evt-abc-9");
  // Older than the ring, or from another ingest process: the whole ring.
  EXPECT_EQ(hub.subscribe(std::make_shared<Collector>(), {}, std::string("evt-abc-1")).size(), 5u);
  EXPECT_EQ(hub.subscribe(std::make_shared<Collector>(), {}, std::string("evt-zzz-8")).size(), 5u);
  EXPECT_EQ(hub.subscribe(std::make_shared<Collector>(), {}, std::string("garbage")).size(), 5u);
}

TEST(EventHub, FiltersByTypeAndStream) {
  EventHub hub(100);
  auto typed = std::make_shared<Collector>();
  auto keyed = std::make_shared<Collector>();
  hub.subscribe(typed, EventFilter{{"stream_create", "stream_delete"}, {}}, std::nullopt);
  hub.subscribe(keyed, EventFilter{{}, {"live/b"}}, std::nullopt);
  hub.observe(make(1, rtmphooks::STREAM_CREATE, "live/a"));
  hub.observe(make(2, rtmphooks::PUBLISH_START, "live/b"));
  hub.observe(make(3, rtmphooks::STREAM_DELETE, "live/b"));
  ASSERT_EQ(typed->got().size(), 2u);
  EXPECT_EQ(frame_id(typed->got()[1]), "evt-abc-3");
  ASSERT_EQ(keyed->got().size(), 2u);
  EXPECT_EQ(frame_id(keyed->got()[0]), "evt-abc-2");
  // The replay is filtered the same way.
  auto late = hub.subscribe(std::make_shared<Collector>(), EventFilter{{}, {"live/a"}},
                            std::string("evt-abc-0"));
  ASSERT_EQ(late.size(), 1u);
}

TEST(EventHub, AClientThatGivesUpIsForgotten) {
  EventHub hub(10);
  auto small = std::make_shared<Collector>(2);
  hub.subscribe(small, {}, std::nullopt);
  for (uint64_t s = 1; s <= 5; ++s) hub.observe(make(s, rtmphooks::STREAM_CREATE, "k"));
  EXPECT_EQ(small->got().size(), 2u);
  EXPECT_EQ(hub.clients(), 0u);
  auto gone = std::make_shared<Collector>();
  hub.subscribe(gone, {}, std::nullopt);
  gone.reset();  // destroyed without unsubscribing: forgotten at the next event
  hub.observe(make(6, rtmphooks::STREAM_CREATE, "k"));
  EXPECT_EQ(hub.clients(), 0u);
}

TEST(EventHub, FinishEndsEveryClientOnceAfterItsLastEvent) {
  EventHub hub(10);
  auto a = std::make_shared<Collector>();
  auto b = std::make_shared<Collector>();
  hub.subscribe(a, {}, std::nullopt);
  hub.subscribe(b, EventFilter{{"stream_delete"}, {}}, std::nullopt);
  hub.observe(make(1, rtmphooks::STREAM_CREATE, "k"));
  hub.finish();
  EXPECT_EQ(a->got().size(), 1u);
  EXPECT_EQ(a->finishes(), 1);
  EXPECT_EQ(b->finishes(), 1);
  EXPECT_EQ(hub.clients(), 0u);
  // A client that comes after the end gets its replay, then the end at once.
  auto late = std::make_shared<Collector>();
  EXPECT_EQ(hub.subscribe(late, {}, std::string("evt-abc-0")).size(), 1u);
  EXPECT_EQ(late->finishes(), 1);
  EXPECT_EQ(hub.clients(), 0u);
  EXPECT_EQ(a->finishes(), 1);
}

TEST(EventHub, SubscribersRacingTheProducerMissNothing) {
  EventHub hub(100000);
  constexpr uint64_t kEvents = 20000;
  std::atomic<uint64_t> produced{0};
  std::thread producer([&] {
    for (uint64_t s = 1; s <= kEvents; ++s) {
      hub.observe(make(s, rtmphooks::STREAM_CREATE, "k"));
      produced.store(s);
    }
  });
  std::vector<
      std::pair<std::shared_ptr<Collector>, std::vector<std::shared_ptr<const std::string>>>>
      clients;
  while (produced.load() < kEvents / 2) std::this_thread::yield();
  for (int i = 0; i < 20; ++i) {
    auto c = std::make_shared<Collector>(kEvents);
    auto missed = hub.subscribe(c, {}, std::string("evt-abc-0"));
    clients.emplace_back(c, std::move(missed));
  }
  producer.join();
  for (auto& [c, missed] : clients) {
    std::vector<std::string> all;
    for (auto& f : missed) all.push_back(*f);
    for (auto& f : c->got()) all.push_back(f);
    ASSERT_EQ(all.size(), kEvents);
    for (uint64_t s = 1; s <= kEvents; s += 997)
      EXPECT_EQ(frame_id(all[s - 1]), "evt-abc-" + std::to_string(s));
  }
}

}  // namespace
}  // namespace rtmp::api
