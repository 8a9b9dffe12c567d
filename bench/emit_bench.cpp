// The emit path of the event emitter: events/s and ns per emit() from
// 1 and 4 session threads, with a plain PULL peer draining over TCP.
//   rtmp-emit-bench [events-per-thread]   (default 200000)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "ingest/events/zmq_emitter.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double emit_seconds = 0;     // wall time of the emitting threads
  double deliver_seconds = 0;  // until the peer had them all
  double ns_per_emit = 0;      // mean per call, per thread
  rtmp::events::EmitterStats stats;
};

rtmp::events::Event sample_event(int thread, int i) {
  rtmp::events::PublishStop stop{430, 300, 1830112, "AAC", "H264", 10.02, "client"};
  stop.audio_packets = static_cast<uint64_t>(i);
  return rtmp::events::Event{"conn-" + std::to_string(thread), "live/bench", stop, 0};
}

Result run(int threads, int per_thread) {
  zmq::context_t context;
  rtmp::events::EmitterOptions opts;
  opts.bind_endpoints = {"tcp://127.0.0.1:*"};
  opts.buffer_capacity = static_cast<int64_t>(threads) * per_thread;  // measure, never fall back
  opts.linger = std::chrono::seconds(30);
  rtmp::events::ZmqEmitter emitter(context, opts);

  // One warm-up event, then `total` measured ones.
  const uint64_t total = static_cast<uint64_t>(threads) * per_thread;
  std::atomic<uint64_t> received{0};
  std::thread peer([&] {
    zmq::socket_t pull(context, zmq::socket_type::pull);
    pull.set(zmq::sockopt::rcvtimeo, 30000);
    pull.connect(emitter.endpoints()[0]);
    zmq::message_t message;
    while (received.load() < total + 1 && pull.recv(message)) received.fetch_add(1);
  });
  // Wait for the peer, so the figure is the steady state rather than the buffer.
  emitter.emit(sample_event(99, 0));
  const auto connect_deadline = Clock::now() + std::chrono::seconds(30);
  while (received.load() == 0 && Clock::now() < connect_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::vector<double> ns(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  std::atomic<int> ready{0};
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      const auto t0 = Clock::now();
      for (int i = 0; i < per_thread; ++i) emitter.emit(sample_event(t, i));
      ns[static_cast<size_t>(t)] =
          std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / per_thread;
    });
  }
  for (auto& w : workers) w.join();
  const auto emitted = Clock::now();
  while (received.load() < total + 1 && Clock::now() - emitted < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto delivered = Clock::now();
  emitter.stop();
  peer.join();

  Result r;
  r.emit_seconds = std::chrono::duration<double>(emitted - start).count();
  r.deliver_seconds = std::chrono::duration<double>(delivered - start).count();
  double sum = 0;
  for (double v : ns) sum += v;
  r.ns_per_emit = sum / threads;
  r.stats = emitter.stats();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int per_thread = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200000;
  for (int threads : {1, 4}) {
    const Result r = run(threads, per_thread);
    const double total = static_cast<double>(threads) * per_thread;
    std::printf(
        "emit-bench threads=%d events=%.0f emit_rate=%.0f/s ns_per_emit=%.0f "
        "delivered_rate=%.0f/s sent=%llu fallback=%llu dropped=%llu\n",
        threads, total, total / r.emit_seconds, r.ns_per_emit, total / r.deliver_seconds,
        static_cast<unsigned long long>(r.stats.sent),
        static_cast<unsigned long long>(r.stats.fallback),
        static_cast<unsigned long long>(r.stats.dropped));
  }
  return 0;
}
