#include "dispatcher/nats_runner.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/counters.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/nats_connection.hpp"
#include "dispatcher/options.hpp"
#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kAckWait{5000};  // longest wait for one attempt's ack
// The last attempt's share of -hook-timeout: time for an ack once the
// connection is back.
constexpr milliseconds kFinalAttempt{250};
constexpr int kMaxWorkers = 8;
// Unacknowledged publishes are retried until -hook-timeout, not a number of
// times: JetStream de-duplicates them, and a cluster electing a new leader
// answers nothing for seconds.
constexpr int kUnlimitedRetries = 1 << 20;

}  // namespace

struct NatsRunner::Impl {
  Impl(const NatsOptions& o, KindCounters& c)
      : options(o),
        counters(c),
        backoff(kUnlimitedRetries, o.retry_base, std::max(o.retry_base, o.retry_max)) {
    for (const auto& t : o.targets) note_target(t);
    for (int i = 0; i < std::clamp(o.workers, 1, kMaxWorkers); ++i)
      workers.emplace_back([this] { run(); });
  }

  ~Impl() {
    shutdown();
    conns.clear();  // after the workers: none is publishing
  }

  void submit(Job job, JobDone done) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(Queued{std::move(job), std::move(done), Clock::now()});
    }
    wake.notify_one();
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (auto& t : workers)
      if (t.joinable()) t.join();
  }

  void run() {
    std::mt19937_64 rng(std::random_device{}());
    for (;;) {
      Queued next;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) break;
        next = std::move(queue.front());
        queue.pop_front();
      }
      const JobResult r = execute(next.job, next.started + options.timeout, rng);
      next.done(next.job, r);
    }
    // libnats keeps per-thread state (its last error) for threads that called it.
    nats_ReleaseThreadMemory();
  }

  // Attempts until acknowledged, out of time, or the target is unusable; the
  // waits between attempts follow the webhooks' backoff (-hook-timeout bounds
  // them, not -webhook-retries).
  JobResult execute(const Job& job, Clock::time_point deadline, std::mt19937_64& rng) {
    JobResult r;
    std::string why;
    const NatsTarget target = parse_nats_target(job.hook->target, why);
    if (!why.empty()) {
      r.cause = why;
      return r;
    }
    const std::string subject =
        nats_subject(target.subject, common::event_type_name(*job.event), job.event->node());
    r.message_id = message_id(job, subject);
    const AttemptResult unacknowledged{true, 0};
    for (r.attempts = 1;; ++r.attempts) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      r.cause = attempt(target, subject, r.message_id, *job.payload, std::min(left, kAckWait));
      if (r.cause.empty()) {
        r.ok = true;
        return r;
      }
      const auto after = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      auto delay = backoff.next_delay(unacknowledged, r.attempts + 1, after, rng);
      // When the backoff's next wait would end past the deadline, one last
      // attempt just before it: an outage shorter than -hook-timeout loses
      // nothing.
      if (!delay && after > kFinalAttempt) delay = after - kFinalAttempt;
      if (!delay) {
        r.cause += " (hook timeout reached)";
        return r;
      }
      spdlog::error("nats {} id={} -> {}: attempt {} failed: {}; retrying in {}ms",
                    common::event_type_name(*job.event), job.event->id(), subject, r.attempts,
                    r.cause, delay->count());
      counters.retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(*delay);
    }
  }

  // The event id, or "<event id>:<subject>" when another hook publishes the
  // same event (see nats_hooks_sharing_events); a replay's own when given.
  std::string message_id(const Job& job, const std::string& subject) const {
    if (!job.nats_message_id.empty()) return job.nats_message_id;
    if (job.nats_id_with_subject || options.id_with_subject.count(job.hook->target))
      return job.event->id() + ":" + subject;
    return job.event->id();
  }

  // One publish; "" when acknowledged.
  std::string attempt(const NatsTarget& target, const std::string& subject,
                      const std::string& msg_id, const std::string& payload, milliseconds wait) {
    if (wait <= milliseconds(0)) return "timed out before attempt";
    const NatsStream stream{options.stream, options.replicas,
                            [this, &target] { return subjects_for(target.servers); }};
    return connection(target.servers)
        .publish(stream, subject, msg_id, payload, Clock::now() + wait);
  }

  // The connection of a server list, made on first use.
  NatsConnection& connection(const std::string& servers) {
    std::lock_guard lock(conns_mutex);
    auto& c = conns[servers];
    if (!c) c = std::make_unique<NatsConnection>(servers);
    return *c;
  }

  std::vector<std::string> subjects_for(const std::string& servers) {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [s, f] : known_subjects)
      if (s == servers && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    return out;
  }

  void note_target(const std::string& target) {
    std::string why;
    const NatsTarget t = parse_nats_target(target, why);
    if (!why.empty()) return;
    std::lock_guard lock(mutex);
    known_subjects.emplace_back(t.servers, nats_filter(t.subject));
  }

  const NatsOptions options;
  KindCounters& counters;
  const Backoff backoff;
  std::mutex mutex;
  std::condition_variable wake;
  // An execution waiting for a worker: its -hook-timeout runs from when the
  // pool started it, so the wait for a worker counts.
  struct Queued {
    Job job;
    JobDone done;
    Clock::time_point started;
  };
  std::deque<Queued> queue;                                         // guarded by mutex
  std::vector<std::pair<std::string, std::string>> known_subjects;  // guarded by mutex
  bool stopping = false;                                            // guarded by mutex
  std::mutex conns_mutex;
  // By server list; guarded by conns_mutex (a connection itself is thread-safe).
  std::map<std::string, std::unique_ptr<NatsConnection>> conns;
  std::vector<std::thread> workers;
};

NatsRunner::NatsRunner(const NatsOptions& options, KindCounters& counters)
    : impl_(std::make_unique<Impl>(options, counters)) {}

NatsRunner::~NatsRunner() = default;

void NatsRunner::start(Job job, JobDone done) {
  impl_->note_target(job.hook->target);
  impl_->submit(std::move(job), std::move(done));
}

void NatsRunner::stop() {
  impl_->shutdown();
}

std::set<std::string> nats_hooks_sharing_events(const std::vector<HookSpec>& specs) {
  std::set<std::string> out;
  for (size_t i = 0; i < specs.size(); ++i) {
    for (size_t j = i + 1; j < specs.size(); ++j) {
      const HookSpec& a = specs[i];
      const HookSpec& b = specs[j];
      if (a.target == b.target) continue;
      const bool same_events = !a.event || !b.event || *a.event == *b.event;
      std::string why_a, why_b;
      const NatsTarget ta = parse_nats_target(a.target, why_a);
      const NatsTarget tb = parse_nats_target(b.target, why_b);
      if (!same_events || !why_a.empty() || !why_b.empty() || ta.servers != tb.servers) continue;
      out.insert(a.target);
      out.insert(b.target);
    }
  }
  return out;
}

HookKindDef nats_hook_kind() {
  return {
      "nats",
      "nats://host:4222/subject",
      "event_type=nats://host:4222[,host2:4222]/subject to publish the event to with JetStream "
      "acknowledgement (Nats-Msg-Id = event id); the subject may hold {type} and {node}; * as "
      "event type means every event",
      [](const std::string& target) {
        std::string why;
        parse_nats_target(target, why);
        return why;
      },
      [](const std::string& target) { return redact_url(target); },
      [](const Options& o, KindCounters& counters) -> std::unique_ptr<Runner> {
        NatsOptions n;
        n.timeout = o.hook_timeout;
        n.retry_base = o.retry_base;
        n.retry_max = o.retry_max;
        n.stream = o.nats_stream;
        n.replicas = static_cast<int>(o.nats_replicas);
        // One idle worker when no NATS hook is configured (replay adds its own).
        const HookKind kind = hook_kind("nats");
        std::vector<HookSpec> specs;
        for (const auto& pair : hook_pairs(o, kind)) specs.push_back(parse_hook_spec(kind, pair));
        for (const HookSpec& spec : specs) n.targets.push_back(spec.target);
        n.id_with_subject = nats_hooks_sharing_events(specs);
        n.workers = n.targets.empty()
                        ? 1
                        : static_cast<int>(std::min<int64_t>(o.hook_concurrency, kMaxWorkers));
        return std::make_unique<NatsRunner>(n, counters);
      },
  };
}

}  // namespace rtmp::dispatcher
