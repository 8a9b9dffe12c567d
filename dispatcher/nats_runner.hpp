#pragma once
// Runs NATS JetStream hooks (libnats): `event=nats://host:4222[,host2:4222]/subject`,
// the subject may hold {type} and {node}. Each event is published with a
// JetStream acknowledgement and the header Nats-Msg-Id = event id (with the
// subject appended when another hook publishes the same event to the same
// stream), so the stream's de-duplication keeps one copy however often it is
// retried; an
// attempt not acknowledged (within min(5 s, time left)) is retried with
// backoff until -hook-timeout. One connection per server list (reconnecting
// forever, to any server of the cluster); the stream capturing the subjects
// (-nats-stream, -nats-replicas) is created when absent, an existing one is
// used as it is. Publishes block a worker thread of the runner's own (never
// the pool's or another kind's) until acknowledged, on up to 8 threads;
// -hook-concurrency (the pool) still bounds them all.
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/job.hpp"
#include "dispatcher/nats_target.hpp"

namespace rtmp::dispatcher {

struct KindCounters;

struct NatsOptions {
  common::Duration timeout{30000};   // one execution, retries included
  common::Duration retry_base{100};  // backoff steps between attempts, as for webhooks
  common::Duration retry_max{5000};
  std::string stream = "RTMP_EVENTS";
  int replicas = 1;
  int workers = 1;
  std::vector<std::string> targets;  // the configured ones: the subjects a new stream captures
  // Targets whose messages carry "<event id>:<subject>" as Nats-Msg-Id rather
  // than the event id (see nats_hooks_sharing_events).
  std::set<std::string> id_with_subject;
};

// The targets of NATS hooks that publish some event type to the same servers
// (so the same stream) as another hook with a different target: with the
// event id alone as Nats-Msg-Id, JetStream would keep the first of them and
// drop the others as duplicates. A target listed twice is one hook.
std::set<std::string> nats_hooks_sharing_events(const std::vector<HookSpec>& specs);

class NatsRunner final : public Runner {
 public:
  // Counts its retries in `counters` (the pool counts executions and failures).
  NatsRunner(const NatsOptions& options, KindCounters& counters);
  ~NatsRunner() override;
  NatsRunner(const NatsRunner&) = delete;
  NatsRunner& operator=(const NatsRunner&) = delete;

  void start(Job job, JobDone done) override;
  void stop() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::dispatcher
