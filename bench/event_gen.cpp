// rtmp-event-gen: event generators for bench/events.sh. Not installed.
//
//   rtmp-event-gen connect HOST PORT SECONDS THREADS [RATE] [handshake]
//       short TCP connections to an rtmp-ingest as fast as possible (or RATE per
//       second in total): connect, optionally the RTMP handshake (C0C1 -> S0S1S2
//       -> C2), then close with RST (SO_LINGER 0, so no TIME_WAIT pile-up). Each
//       gives connection_accept + connection_close (+ handshake_complete).
//       Prints one JSON line: connections, failed, seconds, per_second.
//   rtmp-event-gen emit ENDPOINT COUNT THREADS [RATE] [SEQ_TIMES_FILE]
//       pushes COUNT publish_stop events through the ingest's real emitter
//       (ZmqEmitter, bound to ENDPOINT, e.g. tcp://127.0.0.1:5599) from THREADS
//       threads, as fast as ZeroMQ takes them or RATE per second in total;
//       waits until ZeroMQ took them all (emitter stats), then lingers. As fast
//       as ZeroMQ takes them: the threads stay at most EMIT_WINDOW (environment,
//       16384) events ahead of what the emitter sent, as sessions would at that
//       rate, instead of piling up a backlog of the whole run (whose memory
//       growth is then what gets measured). With SEQ_TIMES_FILE
//       (single thread, RATE set) writes "seq emitted_unix_ns" per event.
//       The environment's NODE_ID, when set, is the emitter's node id (what
//       rtmp-ingest -node-id sets): the cost of a node id, against none.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "ingest/events/zmq_emitter.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool read_full(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r, n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_full(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r <= 0) return false;
    p += r, n -= static_cast<size_t>(r);
  }
  return true;
}

int run_connect(int argc, char** argv) {
  if (argc < 6) return 2;
  const std::string host = argv[2];
  const int port = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int threads = std::atoi(argv[5]);
  const double rate = argc > 6 ? std::atof(argv[6]) : 0;
  const bool handshake = argc > 7 && std::string(argv[7]) == "handshake";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  std::atomic<uint64_t> ok{0}, failed{0};
  const auto t0 = Clock::now();
  const auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::vector<char> c0c1(1537, 0), s(3073), c2(1536, 0);
      c0c1[0] = 3;
      uint64_t i = 0;
      while (true) {
        auto now = Clock::now();
        if (now >= end) break;
        if (rate > 0) {  // thread t sends its share at times t0 + (i*threads + t) / rate
          auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              (static_cast<double>(i) * threads + t) / rate));
          if (due > end) break;
          if (due > now) std::this_thread::sleep_until(due);
        }
        ++i;
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
          failed.fetch_add(1);
          continue;
        }
        bool good = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (good && handshake)
          good = write_full(fd, c0c1.data(), c0c1.size()) && read_full(fd, s.data(), s.size()) &&
                 write_full(fd, c2.data(), c2.size());
        linger lg{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ::close(fd);
        (good ? ok : failed).fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  const double el = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("{\"connections\":%llu,\"failed\":%llu,\"seconds\":%.3f,\"per_second\":%.0f}\n",
              (unsigned long long)ok.load(), (unsigned long long)failed.load(), el,
              static_cast<double>(ok.load()) / el);
  return 0;
}

int run_emit(int argc, char** argv) {
  if (argc < 5) return 2;
  const std::string endpoint = argv[2];
  const uint64_t count = std::strtoull(argv[3], nullptr, 10);
  const int threads = std::atoi(argv[4]);
  const double rate = argc > 5 ? std::atof(argv[5]) : 0;
  std::FILE* times = argc > 6 ? std::fopen(argv[6], "w") : nullptr;
  zmq::context_t context;
  rtmp::events::EmitterOptions opts;
  opts.bind_endpoints = {endpoint};
  opts.buffer_capacity = static_cast<int64_t>(count) + 16;  // measure, never fall back
  opts.max_backlog = count + 16;
  opts.linger = std::chrono::seconds(60);
  if (const char* node = std::getenv("NODE_ID")) opts.node_id = node;
  const char* window_env = std::getenv("EMIT_WINDOW");
  const uint64_t window = window_env ? std::strtoull(window_env, nullptr, 10) : 16384;
  rtmp::events::ZmqEmitter emitter(context, opts);
  // Wait for a dispatcher: one warm-up event must be taken by ZeroMQ.
  emitter.emit(
      rtmp::events::Event{"conn-warm", "live/bench", rtmp::events::HandshakeComplete{}, 0});
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (emitter.stats().sent == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  const uint64_t per = count / static_cast<uint64_t>(threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      const std::string conn = "conn-" + std::to_string(t);
      for (uint64_t i = 0; i < per; ++i) {
        if (rate > 0) {
          auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              static_cast<double>(i * threads + t) / rate));
          std::this_thread::sleep_until(due);
        } else if (i % 64 == 0) {
          // As fast as ZeroMQ takes them: ahead by more than the window, wait.
          for (;;) {
            const auto st = emitter.stats();
            if (st.emitted - st.sent - st.fallback <= window) break;
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          }
        }
        rtmp::events::PublishStop stop{430, 300, 1830112, "AAC", "H264", 10.02, "client"};
        stop.audio_packets = i;
        const int64_t ns = unix_ns();
        emitter.emit(rtmp::events::Event{conn, "live/bench", stop, ns});
        // seq 1 was the warm-up event; single-threaded, event i has seq i + 2
        if (times) std::fprintf(times, "%llu %lld\n", (unsigned long long)(i + 2), (long long)ns);
      }
    });
  }
  for (auto& t : ts) t.join();
  const double emit_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const uint64_t total = per * static_cast<uint64_t>(threads) + 1;
  while (emitter.stats().sent < total) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double sent_s = std::chrono::duration<double>(Clock::now() - t0).count();
  auto st = emitter.stats();
  if (times) std::fclose(times);
  std::printf(
      "{\"events\":%llu,\"emit_seconds\":%.3f,\"sent_seconds\":%.3f,\"emit_per_second\":%.0f,"
      "\"sent_per_second\":%.0f,\"fallback\":%llu,\"dropped\":%llu}\n",
      (unsigned long long)(total - 1), emit_s, sent_s, static_cast<double>(total - 1) / emit_s,
      static_cast<double>(total - 1) / sent_s, (unsigned long long)st.fallback,
      (unsigned long long)st.dropped);
  std::fflush(stdout);
  emitter.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  int rc = 2;
  if (mode == "connect") rc = run_connect(argc, argv);
  if (mode == "emit") rc = run_emit(argc, argv);
  if (rc == 2)
    std::fprintf(stderr,
                 "usage: rtmp-event-gen connect HOST PORT SECONDS THREADS [RATE] [handshake]\n"
                 "       rtmp-event-gen emit ENDPOINT COUNT THREADS [RATE] [SEQ_TIMES_FILE]\n");
  return rc;
}
