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
#include "dispatcher/options.hpp"
#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kAckWait{5000};       // longest wait for one attempt's ack
constexpr milliseconds kConnectWait{2000};   // per connection attempt
constexpr milliseconds kReconnectWait{250};  // between reconnection attempts
// The last attempt's share of -hook-timeout: time for an ack once the
// connection is back.
constexpr milliseconds kFinalAttempt{250};
constexpr milliseconds kCloseWait{5000};  // libnats' threads unwinding at the last runner's end
constexpr int kMaxWorkers = 8;
// Unacknowledged publishes are retried until -hook-timeout, not a number of
// times: JetStream de-duplicates them, and a cluster electing a new leader
// answers nothing for seconds.
constexpr int kUnlimitedRetries = 1 << 20;

// libnats is one library-wide state with its own threads: opened by the first
// runner that connects, closed (waiting for its threads, so nothing of it is
// left running or allocated) when the last one is destroyed.
std::mutex library_mutex;
int library_users = 0;  // guarded by library_mutex

void library_acquire() {
  std::lock_guard lock(library_mutex);
  if (library_users++ == 0) nats_Open(-1);
}

void library_release() {
  std::lock_guard lock(library_mutex);
  if (--library_users == 0 && nats_CloseAndWait(kCloseWait.count()) != NATS_OK)
    spdlog::warn("nats: the client library's threads did not end within {}ms", kCloseWait.count());
}

std::string status_text(natsStatus s, jsErrCode jerr) {
  std::string out = natsStatus_GetText(s);
  if (jerr != 0) out += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && out.find(last) == std::string::npos) out += std::string(": ") + last;
  return out;
}

std::string connected_url(natsConnection* nc) {
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  return url;
}

// Called on libnats' threads.
void on_connected(natsConnection* nc, void*) {
  spdlog::info("nats: connected to {}", redact_urls_in(connected_url(nc)));
}

void on_disconnected(natsConnection* nc, void*) {
  if (!natsConnection_IsClosed(nc)) spdlog::warn("nats: disconnected; reconnecting");
}

// One server list's connection and JetStream context.
struct Conn {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  // One stream lookup at a time; the others wait for it no longer than their
  // own attempt may (a condition variable, not std::timed_mutex, whose timed
  // lock ThreadSanitizer does not intercept).
  std::mutex stream_mutex;
  std::condition_variable stream_changed;
  bool stream_looking = false;  // guarded by stream_mutex
  bool stream_ready = false;    // guarded by stream_mutex
};

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
    for (auto& [servers, c] : conns) {
      if (c->js) jsCtx_Destroy(c->js);
      if (c->nc) natsConnection_Destroy(c->nc);
    }
    if (library_used) library_release();
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
    const AttemptResult unacknowledged{true, 0};
    for (r.attempts = 1;; ++r.attempts) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      r.cause = attempt(job, target, subject, std::min(left, kAckWait));
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

  // At least 1 ms: libnats takes 0 as "its default".
  static milliseconds left_until(Clock::time_point until) {
    return std::max(milliseconds(1),
                    std::chrono::duration_cast<milliseconds>(until - Clock::now()));
  }

  // One publish; "" when acknowledged.
  std::string attempt(const Job& job, const NatsTarget& target, const std::string& subject,
                      milliseconds wait) {
    if (wait <= milliseconds(0)) return "timed out before attempt";
    const auto until = Clock::now() + wait;
    Conn* c = connection(target.servers);
    if (!c->nc) return "cannot create the NATS connection";
    // Disconnected: fail now and let the backoff pace the retries, rather than
    // sit in a request that cannot be answered (the connection reconnects in
    // the background).
    if (natsConnection_Status(c->nc) != NATS_CONN_STATUS_CONNECTED) {
      // The reason, when the library has one (a refused password says
      // "Authorization Violation"); no credentials in errors.
      const char* last = nullptr;
      const bool known = natsConnection_GetLastError(c->nc, &last) != NATS_OK && last && *last;
      return "not connected to " + redact_urls_in(target.servers) +
             (known ? " (" + redact_urls_in(last) + ")" : "");
    }
    if (std::string err = ensure_stream(*c, target.servers, until); !err.empty()) return err;
    natsMsg* msg = nullptr;
    const std::string& body = *job.payload;
    natsStatus s =
        natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
    const std::string msg_id = options.id_with_subject.count(job.hook->target)
                                   ? job.event->id() + ":" + subject
                                   : job.event->id();
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", msg_id.c_str());
    if (s != NATS_OK) {
      natsMsg_Destroy(msg);
      return status_text(s, static_cast<jsErrCode>(0));
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = left_until(until).count();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    s = js_PublishMsg(&ack, c->js, msg, &po, &jerr);
    natsMsg_Destroy(msg);
    if (s == NATS_NO_RESPONDERS) {
      // No stream captures the subject (deleted since it was looked up): the
      // next attempt looks it up again, and creates it when it is gone.
      std::lock_guard lock(c->stream_mutex);
      if (!c->stream_looking) c->stream_ready = false;
    }
    if (s != NATS_OK) return status_text(s, jerr);
    jsPubAck_Destroy(ack);
    return {};
  }

  // The connection of a server list, made on first use: it reconnects forever
  // (to any server of the list or the cluster), so one made while the servers
  // are down starts working when they come up.
  Conn* connection(const std::string& servers) {
    std::lock_guard lock(conns_mutex);
    auto& c = conns[servers];
    if (c) return c.get();
    c = std::make_unique<Conn>();
    if (!library_used) {
      library_acquire();
      library_used = true;
    }
    natsOptions* opts = nullptr;
    NatsCredentials creds;
    const std::vector<std::string> urls = nats_server_urls(servers, creds);
    std::vector<const char*> ptrs;
    for (const auto& u : urls) ptrs.push_back(u.c_str());
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetServers(opts, ptrs.data(), static_cast<int>(ptrs.size()));
    if (s == NATS_OK && !creds.user.empty())
      s = natsOptions_SetUserInfo(opts, creds.user.c_str(), creds.password.c_str());
    if (s == NATS_OK && !creds.token.empty()) s = natsOptions_SetToken(opts, creds.token.c_str());
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, kConnectWait.count());
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, kReconnectWait.count());
    // With a connected callback the first connect does not block: without
    // one, libnats retries inside natsConnection_Connect (forever here).
    if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, nullptr);
    if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, nullptr);
    if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, on_connected, nullptr);
    if (s == NATS_OK) {
      s = natsConnection_Connect(&c->nc, opts);
      if (s == NATS_NOT_YET_CONNECTED) {
        spdlog::warn("nats: {} not reachable yet; retrying in the background",
                     redact_urls_in(servers));
        s = NATS_OK;
      }
    }
    if (s == NATS_OK) s = natsConnection_JetStream(&c->js, c->nc, nullptr);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
      spdlog::error("nats: connection to {}: {}", redact_urls_in(servers),
                    redact_urls_in(status_text(s, jsErrCode(0))));
      if (c->nc) natsConnection_Destroy(c->nc);
      c->nc = nullptr;
    }
    return c.get();
  }

  // Creates the stream when absent, capturing the subjects of every NATS
  // hook seen on these servers; an existing stream is left as it is.
  // The JetStream API calls wait no longer than the attempt may.
  std::string ensure_stream(Conn& c, const std::string& servers, Clock::time_point until) {
    {
      std::unique_lock lock(c.stream_mutex);
      if (!c.stream_changed.wait_until(lock, until,
                                       [&] { return c.stream_ready || !c.stream_looking; }))
        return "stream " + options.stream + ": lookup still running";
      if (c.stream_ready) return {};
      c.stream_looking = true;
    }
    const std::string err = look_up_stream(c, servers, until);
    {
      std::lock_guard lock(c.stream_mutex);
      c.stream_looking = false;
      c.stream_ready = err.empty();
    }
    c.stream_changed.notify_all();
    return err;
  }

  std::string look_up_stream(Conn& c, const std::string& servers, Clock::time_point until) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = left_until(until).count();
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, c.js, options.stream.c_str(), &jo, &jerr);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(si);
      spdlog::info("nats: publishing to the existing stream {} on {}", options.stream,
                   redact_urls_in(servers));
      return {};
    }
    if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
      return "stream " + options.stream + ": " + status_text(s, jerr);
    std::vector<std::string> filters = subjects_for(servers);
    std::vector<const char*> ptrs;
    for (const auto& f : filters) ptrs.push_back(f.c_str());
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = options.stream.c_str();
    cfg.Subjects = ptrs.data();
    cfg.SubjectsLen = static_cast<int>(ptrs.size());
    cfg.Replicas = options.replicas;
    cfg.Storage = js_FileStorage;
    jerr = static_cast<jsErrCode>(0);
    s = js_AddStream(&si, c.js, &cfg, &jo, &jerr);
    if (s != NATS_OK) return "creating stream " + options.stream + ": " + status_text(s, jerr);
    jsStreamInfo_Destroy(si);
    spdlog::info("nats: created stream {} (subjects {}, replicas {}) on {}", options.stream,
                 fmt::join(filters, " "), options.replicas, redact_urls_in(servers));
    return {};
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
  bool library_used = false;                           // guarded by conns_mutex
  std::map<std::string, std::unique_ptr<Conn>> conns;  // by server list; guarded by conns_mutex
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
