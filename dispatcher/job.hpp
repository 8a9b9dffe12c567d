#pragma once
// One hook execution handed from the pool to a runner, and what came of it.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

struct Job {
  // The router's spec (it outlives every job: the dispatcher drains before it
  // goes); not a copy, so a job costs no allocation for its URL.
  const HookSpec* hook = nullptr;
  std::shared_ptr<const rtmphooks::Event> event;
  std::shared_ptr<const std::string> payload;  // the JSON payload (docs/payload.md)
  // A replayed NATS publish: the Nats-Msg-Id its dead letter recorded, so a
  // JetStream that stored the first delivery drops the copy; or, for letters
  // that never reached NATS, whether another hook's letter shares the event
  // (each then needs "<event id>:<subject>" to land once).
  std::string nats_message_id{};
  bool nats_id_with_subject = false;
};

struct JobResult {
  bool ok = false;
  std::string cause;  // why it failed; empty on success
  int attempts = 1;
  std::string message_id{};  // a NATS publish's Nats-Msg-Id (for its dead letter)
};

// Called exactly once per started job, from the runner's own thread, with the
// job as started (the runner keeps it until then: the pool's completion needs
// no copy of its own).
using JobDone = std::function<void(const Job&, const JobResult&)>;

// Told of every finished execution with its job and result (dead letters,
// replay's report); any runner thread, must be thread-safe.
using JobObserver = std::function<void(const Job&, const JobResult&)>;

// How a kind of hook is executed. start() never blocks and never calls `done`
// itself; stop() returns once every started job has called `done`.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual void start(Job job, JobDone done) = 0;
  virtual void stop() = 0;
  // The process is about to exit at once (a second stop signal): ends at
  // once what must not outlive it, where it can; any thread. Returns how many
  // executions it ended so.
  virtual size_t kill_now() { return 0; }
};

}  // namespace rtmp::dispatcher
