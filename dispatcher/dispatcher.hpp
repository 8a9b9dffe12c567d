#pragma once
// rtmp-dispatcher's engine: pulls protobuf events over ZeroMQ (EventPuller),
// turns each into its stdio line and jobs (Intake: routing), and runs the jobs
// on each hook kind's runner under -hook-concurrency and -hook-timeout (Pool).
// The same class is embedded by rtmp-ingest, sharing its zmq context and
// pulling inproc://.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dispatcher/options.hpp"

namespace zmq {
class context_t;
}
namespace rtmphooks {
class Event;
}

namespace rtmp::dispatcher {

struct KindStats {
  uint64_t executions = 0;  // finished, successful or not
  uint64_t failures = 0;
  uint64_t retries = 0;  // extra attempts (webhooks)
};

struct Stats {
  std::vector<KindStats> kinds;  // by HookKind (hook_kinds.hpp)
  KindStats stdio;               // lines written / failed writes
  uint64_t events_received = 0;
  uint64_t events_malformed = 0;
  uint64_t seq_gaps = 0;              // events missing between consecutive seqs of one ingest
  uint64_t queue_depth = 0;           // executions waiting for a slot
  uint64_t running = 0;               // executions running now
  uint64_t connected = 0;             // ingest connections up now (an inproc:// one counts as up)
  bool pulling = false;               // started and not asked to stop
  uint64_t dead_letters_written = 0;  // lines appended to -dead-letter
  uint64_t dead_letters_dropped = 0;  // dead letters that could not be written
};

class Dispatcher {
 public:
  // Validates the hooks (throws common::FlagError) and builds the runners.
  // `context` must outlive the dispatcher.
  Dispatcher(zmq::context_t& context, Options options);
  ~Dispatcher();  // request_stop() + wait() if still running
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Connects to options.events_connect and starts pulling. Throws on a bad endpoint.
  void start();
  // Stops pulling; thread-safe, async-signal-unsafe, returns at once.
  void request_stop();
  // After request_stop(): finishes queued executions (each up to its timeout),
  // stops the runners and returns. Executions still queued at `deadline` (the
  // -shutdown-timeout) are abandoned, with one ERROR line counting them; those
  // running then are finished, each within its -hook-timeout.
  void wait(std::chrono::steady_clock::time_point deadline =
                std::chrono::steady_clock::time_point::max());

  // A second stop signal: the process exits at once after this (without
  // destructors). Takes queued executions out of the queue, SIGKILLs the
  // process groups of running scripts, counts both kinds as failed and, with
  // -dead-letter, writes a dead letter for each (waiting at most
  // `flush_within` for the disk). Returns what was abandoned, for the WARN.
  // wait() stops its teardown from here on, whatever thread it runs on.
  std::string abandon_now(std::chrono::milliseconds flush_within);

  Stats stats() const;

  // With options.stdio_by_embedder: the stdio hook's line for `event`, from
  // one thread (the embedder's), in the order events are numbered; counted
  // as the puller would count it. flush_stdio() writes out what was gathered,
  // whenever no more events are at hand. Both do nothing without a stdio hook.
  void write_stdio(const rtmphooks::Event& event);
  void flush_stdio();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::dispatcher
