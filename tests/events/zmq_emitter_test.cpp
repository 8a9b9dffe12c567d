#include "ingest/events/zmq_emitter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "events.pb.h"

namespace rtmp::events {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;  // generous: a slow, shared machine, maybe under TSan

// Polls `done` until it holds or the deadline passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A plain cppzmq PULL peer, as a dispatcher would be.
class Puller {
 public:
  Puller(zmq::context_t& context, const std::string& endpoint)
      : socket_(context, zmq::socket_type::pull) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }

  std::optional<rtmphooks::Event> recv(std::chrono::milliseconds timeout = kDeadline) {
    socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    zmq::message_t message;
    if (!socket_.recv(message)) return std::nullopt;
    rtmphooks::Event event;
    if (!event.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      ADD_FAILURE() << "not an Event";
      return std::nullopt;
    }
    return event;
  }

 private:
  zmq::socket_t socket_;
};

// A temporary file standing in for stderr.
class FallbackFile {
 public:
  FallbackFile() : file_(std::tmpfile()) {}
  ~FallbackFile() { std::fclose(file_); }
  std::FILE* get() const { return file_; }

  std::vector<boost::json::object> lines() const {
    std::vector<boost::json::object> out;
    std::rewind(file_);
    std::string line;
    for (int c; (c = std::fgetc(file_)) != EOF;) {
      if (c != '\n') {
        line += static_cast<char>(c);
        continue;
      }
      out.push_back(boost::json::parse(line).as_object());
      line.clear();
    }
    EXPECT_TRUE(line.empty()) << "unterminated fallback line: " << line;
    return out;
  }

 private:
  std::FILE* file_;
};

EmitterOptions tcp_options() {
  EmitterOptions opts;
  opts.bind_endpoints = {"tcp://127.0.0.1:*"};
  opts.linger = 10s;
  return opts;
}

Event numbered(const std::string& conn, int n) {
  return Event{conn, std::to_string(n), SubscriberCount{static_cast<uint32_t>(n)}, 0};
}

TEST(ZmqEmitter, BindsAndDescribesTheEvent) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.bind_endpoints.push_back("inproc://zmq-emitter-test-describe");
  opts.ingest_id = "ing1";
  ZmqEmitter emitter(context, opts);
  ASSERT_EQ(emitter.endpoints().size(), 2u);
  EXPECT_NE(emitter.endpoints()[0].find("tcp://127.0.0.1:"), std::string::npos);
  EXPECT_EQ(emitter.endpoints()[0].find('*'), std::string::npos);
  EXPECT_EQ(emitter.ingest_id(), "ing1");

  Puller pull(context, "inproc://zmq-emitter-test-describe");
  const int64_t before = std::time(nullptr);
  emitter.emit(
      Event{"conn-1", "live/test", PublishStop{4, 3, 1000, "AAC", "H264", 1.5, "client"}, 0});
  const auto got = pull.recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->type(), rtmphooks::PUBLISH_STOP);
  EXPECT_EQ(got->seq(), 1u);
  EXPECT_EQ(got->id(), "evt-ing1-1");
  EXPECT_EQ(got->ingest_id(), "ing1");
  EXPECT_EQ(got->conn_id(), "conn-1");
  EXPECT_EQ(got->stream_key(), "live/test");
  EXPECT_GE(got->timestamp(), before);
  EXPECT_LE(got->timestamp(), std::time(nullptr));
  EXPECT_GT(got->emitted_unix_ns(), before * 1'000'000'000);
  EXPECT_EQ(got->publish_stop().video_codec(), "H264");
  emitter.stop();
  const EmitterStats s = emitter.stats();
  EXPECT_EQ(s.emitted, 1u);
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.fallback, 0u);
}

TEST(ZmqEmitter, RandomIngestIdWhenNoneGiven) {
  zmq::context_t context;
  ZmqEmitter a(context, EmitterOptions{});
  ZmqEmitter b(context, EmitterOptions{});
  EXPECT_EQ(a.ingest_id().size(), 16u);
  EXPECT_NE(a.ingest_id(), b.ingest_id());
}

// Two ingests on one node name, or one ingest restarted: ids never collide,
// and each names the node first.
TEST(ZmqEmitter, NodeIdInEveryEventAndIngestId) {
  zmq::context_t context;
  EmitterOptions opts;
  opts.bind_endpoints = {"inproc://zmq-emitter-test-node"};
  opts.node_id = "edge-1.example";
  ZmqEmitter a(context, opts);
  opts.bind_endpoints = {"inproc://zmq-emitter-test-node-b"};
  ZmqEmitter b(context, opts);
  EXPECT_EQ(a.ingest_id().rfind("edge-1.example-", 0), 0u) << a.ingest_id();
  EXPECT_EQ(a.ingest_id().size(), std::string("edge-1.example-").size() + 16);
  EXPECT_NE(a.ingest_id(), b.ingest_id());
  Puller pull(context, "inproc://zmq-emitter-test-node");
  a.emit(numbered("conn-1", 1));
  const auto got = pull.recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->node(), "edge-1.example");
  EXPECT_EQ(got->id(), "evt-" + a.ingest_id() + "-1");
}

TEST(EmitterOptions, NodeIdValidation) {
  for (const std::string good : {"a", "edge-1", "ingest_2.dc1", "0abc"})
    EXPECT_EQ(node_id_error(good), "") << good;
  EXPECT_EQ(node_id_error(std::string(64, 'x')), "");
  for (const std::string bad : {"", "-edge", ".x", "a b", "a/b", "a*", "é", "a\n"})
    EXPECT_NE(node_id_error(bad), "") << bad;
  EXPECT_NE(node_id_error(std::string(65, 'x')), "");
  EmitterOptions given;
  given.node_id = "mine";
  resolve_node_id(given);
  EXPECT_EQ(given.node_id, "mine");
  EmitterOptions host;
  resolve_node_id(host);  // the test machine's host name is a valid node id
  EXPECT_FALSE(host.node_id.empty());
}

TEST(ZmqEmitter, BadEndpointThrowsAtStartup) {
  zmq::context_t context;
  zmq::socket_t taken(context, zmq::socket_type::pull);
  taken.bind("tcp://127.0.0.1:*");
  const std::string in_use = taken.get(zmq::sockopt::last_endpoint);
  int n = 0;
  for (const std::string& bad :
       {std::string("tcp://no-such-host.invalid:1"), std::string("bogus://x"), in_use}) {
    EmitterOptions opts;
    opts.bind_endpoints = {"inproc://zmq-emitter-test-bad-" + std::to_string(++n), bad};
    try {
      ZmqEmitter emitter(context, opts);
      ADD_FAILURE() << "no exception for " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(ZmqEmitter, SeqStrictlyIncreasingAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  constexpr int kTotal = kThreads * kPerThread;
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.buffer_capacity = kTotal;  // nothing may reach the fallback
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  Puller pull(context, emitter.endpoints()[0]);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&emitter, t] {
      for (int i = 0; i < kPerThread; ++i) emitter.emit(numbered("t" + std::to_string(t), i));
    });
  }
  std::map<std::string, int> next_per_thread;
  for (uint64_t want = 1; want <= kTotal; ++want) {
    const auto got = pull.recv();
    ASSERT_TRUE(got.has_value()) << "after seq " << want - 1;
    ASSERT_EQ(got->seq(), want);
    ASSERT_EQ(got->id(), "evt-" + emitter.ingest_id() + "-" + std::to_string(want));
    int& next = next_per_thread[got->conn_id()];
    ASSERT_EQ(got->stream_key(), std::to_string(next)) << got->conn_id();
    ++next;
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(pull.recv(50ms).has_value());
  emitter.stop();
  const EmitterStats s = emitter.stats();
  EXPECT_EQ(s.emitted, uint64_t{kTotal});
  EXPECT_EQ(s.sent, uint64_t{kTotal});
  EXPECT_EQ(s.fallback, 0u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_TRUE(fallback.lines().empty());
}

// The stdio fallback (docs/failures.md): with no dispatcher and a buffer of
// 100, the oldest events leave the full buffer: of 500, the first 400 go to
// the fallback as JSON lines, in seq order, and the newest 100 are delivered
// when a dispatcher connects, the first of them announcing seqs 1-400 lost.
TEST(ZmqEmitter, BufferDropsOldestToFallback) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.buffer_capacity = 100;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 500; ++i) emitter.emit(numbered("c", i));
  ASSERT_TRUE(wait_until([&] {
    const EmitterStats s = emitter.stats();
    return s.fallback == 400 && s.buffered == 100;
  })) << emitter.stats().fallback;

  Puller pull(context, emitter.endpoints()[0]);
  for (uint64_t want = 401; want <= 500; ++want) {
    const auto got = pull.recv();
    ASSERT_TRUE(got.has_value()) << "after seq " << want - 1;
    EXPECT_EQ(got->seq(), want);
    if (want == 401) {
      ASSERT_EQ(got->lost_size(), 1);
      EXPECT_EQ(got->lost(0).first(), 1u);
      EXPECT_EQ(got->lost(0).last(), 400u);
    } else {
      EXPECT_EQ(got->lost_size(), 0) << "announced again at seq " << want;
    }
  }
  ASSERT_TRUE(wait_until([&] { return emitter.stats().buffered == 0; }));
  // Delivered again: nothing more to announce.
  emitter.emit(numbered("c", 500));
  const auto next = pull.recv();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->seq(), 501u);
  EXPECT_EQ(next->lost_size(), 0);
  emitter.stop();
  EXPECT_FALSE(pull.recv(50ms).has_value());

  const EmitterStats s = emitter.stats();
  EXPECT_EQ(s.emitted, 501u);
  EXPECT_EQ(s.sent, 101u);
  EXPECT_EQ(s.fallback, 400u);
  EXPECT_EQ(s.undelivered, 400u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.emitted, s.sent + s.fallback);
  const auto lines = fallback.lines();
  ASSERT_EQ(lines.size(), 400u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("seq").as_int64(), static_cast<int64_t>(1 + i));
    EXPECT_EQ(lines[i].at("type").as_string(), "subscriber_count");
    EXPECT_EQ(lines[i].at("data").at("count").as_int64(), static_cast<int64_t>(i));
  }
}

TEST(ZmqEmitter, ZeroBufferSendsStraightToFallback) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.buffer_capacity = 0;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 10; ++i) emitter.emit(numbered("c", i));
  emitter.stop();
  EXPECT_EQ(emitter.stats().fallback, 10u);
  EXPECT_EQ(fallback.lines().size(), 10u);
}

TEST(ZmqEmitter, StopFlushesBufferedEventsToAConnectedDispatcher) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  FallbackFile fallback;
  opts.fallback = fallback.get();
  opts.wake_interval = 10s;  // stop() must not wait for the retry timer
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 50; ++i) emitter.emit(numbered("c", i));
  ASSERT_TRUE(wait_until([&] { return emitter.stats().buffered == 50; }));
  Puller pull(context, emitter.endpoints()[0]);
  emitter.stop();
  for (uint64_t want = 1; want <= 50; ++want) {
    const auto got = pull.recv();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->seq(), want);
  }
  EXPECT_EQ(emitter.stats().sent, 50u);
  EXPECT_EQ(emitter.stats().fallback, 0u);
  EXPECT_TRUE(fallback.lines().empty());
}

TEST(ZmqEmitter, StopWritesWhatNoDispatcherTookToFallback) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.linger = 100ms;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 30; ++i) emitter.emit(numbered("c", i));
  emitter.stop();
  const EmitterStats s = emitter.stats();
  EXPECT_EQ(s.emitted, 30u);
  EXPECT_EQ(s.sent, 0u);
  EXPECT_EQ(s.buffered, 0u);
  EXPECT_EQ(s.fallback, 30u);
  const auto lines = fallback.lines();
  ASSERT_EQ(lines.size(), 30u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("seq").as_int64(), static_cast<int64_t>(i + 1));
  }
}

TEST(ZmqEmitter, EmitAfterStopIsCountedAsDropped) {
  zmq::context_t context;
  EmitterOptions opts;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  emitter.stop();
  emitter.stop();  // idempotent
  emitter.emit(numbered("c", 1));
  const EmitterStats s = emitter.stats();
  EXPECT_EQ(s.emitted, 0u);
  EXPECT_EQ(s.dropped, 1u);
}

TEST(ZmqEmitter, FullBacklogIsCountedAsDropped) {
  zmq::context_t context;
  EmitterOptions opts;
  opts.max_backlog = 0;  // every hand-off refused
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 3; ++i) emitter.emit(numbered("c", i));
  EXPECT_EQ(emitter.stats().dropped, 3u);
  EXPECT_EQ(emitter.stats().emitted, 0u);
}

TEST(ZmqEmitter, DestructorStops) {
  zmq::context_t context;
  FallbackFile fallback;
  {
    EmitterOptions opts;
    opts.linger = 0ms;
    opts.fallback = fallback.get();
    ZmqEmitter emitter(context, opts);
    emitter.emit(numbered("c", 1));
  }
  EXPECT_EQ(fallback.lines().size(), 1u);
}

// With embedded hooks and external dispatchers both configured, each group
// gets every event: the embedded endpoint is a socket of its own, not one
// more peer of the external dispatchers' round-robin.
TEST(ZmqEmitter, EmbeddedAndExternalEachGetEveryEvent) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.embedded_endpoint = "inproc://zmq-emitter-test-embedded";
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  ASSERT_EQ(emitter.endpoints().size(), 2u);
  Puller embedded(context, opts.embedded_endpoint);
  Puller external_a(context, emitter.endpoints()[0]);
  Puller external_b(context, emitter.endpoints()[0]);
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) emitter.emit(numbered("c", i));
  for (uint64_t want = 1; want <= kEvents; ++want) {
    const auto got = embedded.recv();
    ASSERT_TRUE(got.has_value()) << "embedded missed seq " << want;
    EXPECT_EQ(got->seq(), want);
  }
  // The external dispatchers share the events: together each seq once.
  std::vector<uint64_t> shared;
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (shared.size() < kEvents && std::chrono::steady_clock::now() < until) {
    if (const auto a = external_a.recv(20ms)) shared.push_back(a->seq());
    if (const auto b = external_b.recv(20ms)) shared.push_back(b->seq());
  }
  ASSERT_EQ(shared.size(), static_cast<size_t>(kEvents));
  std::sort(shared.begin(), shared.end());
  for (size_t i = 0; i < shared.size(); ++i) EXPECT_EQ(shared[i], i + 1);
  emitter.stop();
  EXPECT_EQ(emitter.stats().sent, 2u * kEvents);
  EXPECT_EQ(emitter.stats().undelivered, 0u);
  EXPECT_TRUE(fallback.lines().empty());
}

// A lane whose consumers are gone counts what it misses; the event still
// reached the other lane, so it is not repeated on the fallback, not even
// what the lane still holds at stop.
TEST(ZmqEmitter, ALaneThatCannotTakeCountsUndelivered) {
  zmq::context_t context;
  EmitterOptions opts = tcp_options();  // nobody connects to the external lane
  opts.embedded_endpoint = "inproc://zmq-emitter-test-undelivered";
  opts.buffer_capacity = 5;
  opts.linger = 0ms;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  Puller embedded(context, opts.embedded_endpoint);
  for (int i = 0; i < 20; ++i) emitter.emit(numbered("c", i));
  for (uint64_t want = 1; want <= 20; ++want) {
    const auto got = embedded.recv();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->seq(), want);
  }
  ASSERT_TRUE(wait_until([&] { return emitter.stats().undelivered == 15; }))
      << emitter.stats().undelivered;
  EXPECT_TRUE(fallback.lines().empty());
  emitter.stop();  // the 5 buffered are left: undelivered, but the embedded hooks had them
  EXPECT_EQ(emitter.stats().undelivered, 20u);
  EXPECT_TRUE(fallback.lines().empty());
}

// No consumer configured (no -hook-*, no -events-bind): every event goes to
// the fallback at once, nothing waits in a buffer for a dispatcher.
TEST(ZmqEmitter, NoConsumerWritesEachEventAtOnce) {
  zmq::context_t context;
  EmitterOptions opts;
  FallbackFile fallback;
  opts.fallback = fallback.get();
  ZmqEmitter emitter(context, opts);
  EXPECT_TRUE(emitter.endpoints().empty());
  for (int i = 0; i < 3; ++i) emitter.emit(numbered("c", i));
  ASSERT_TRUE(wait_until([&] { return emitter.stats().fallback == 3; }));
  EXPECT_EQ(emitter.stats().buffered, 0u);
  EXPECT_EQ(emitter.stats().undelivered, 0u);
  EXPECT_EQ(fallback.lines().size(), 3u);
  emitter.stop();
  EXPECT_EQ(fallback.lines().size(), 3u);
}

// Observers (the API's event stream, the embedded stdio hook) see every event
// in seq order and are flushed once the emitter runs out of events; when one
// of them writes every event to stderr as JSON, the fallback counts its
// events without writing them a second time.
TEST(ZmqEmitter, ObserversSeeEveryEventAndAreFlushed) {
  struct Recorder final : EventObserver {
    void observe(const rtmphooks::Event& event) noexcept override {
      std::lock_guard lock(mu);
      seqs.push_back(event.seq());
    }
    void flush() noexcept override {
      std::lock_guard lock(mu);
      flushed_at = seqs.size();
    }
    std::mutex mu;
    std::vector<uint64_t> seqs;
    size_t flushed_at = 0;
  };
  zmq::context_t context;
  EmitterOptions opts = tcp_options();
  opts.buffer_capacity = 0;  // nobody connects: every event is undelivered
  FallbackFile fallback;
  opts.fallback = fallback.get();
  Recorder first, second;
  opts.observers = {&first, &second};
  opts.stderr_has_every_event = true;
  ZmqEmitter emitter(context, opts);
  for (int i = 0; i < 50; ++i) emitter.emit(numbered("c", i));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(second.mu);
    return second.flushed_at == 50;
  }));
  emitter.stop();
  for (Recorder* r : {&first, &second}) {
    std::lock_guard lock(r->mu);
    ASSERT_EQ(r->seqs.size(), 50u);
    for (size_t i = 0; i < r->seqs.size(); ++i) EXPECT_EQ(r->seqs[i], i + 1);
    EXPECT_EQ(r->flushed_at, 50u);
  }
  EXPECT_EQ(emitter.stats().fallback, 50u);
  EXPECT_TRUE(fallback.lines().empty());
}

}  // namespace
}  // namespace rtmp::events
