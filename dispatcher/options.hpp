#pragma once
// What the dispatcher is told: where to pull events from and which hooks to
// run. register_hook_flags() is shared with rtmp-ingest's embedded mode. Each
// part gets its own small options from these (puller_options(), and each hook
// kind's make_runner); none of them takes the whole of Options.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/metrics.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "events.pb.h"

namespace rtmp::dispatcher {

// One `event=target` pair; no event type means `*` (every event).
struct HookSpec {
  HookKind kind = 0;
  std::optional<rtmphooks::EventType> event;
  std::string target;  // URL or script path
};

// Told of every finished hook execution: its kind, how long it ran
// (seconds, from the start of the first attempt) and whether it succeeded.
// Called on a runner thread; must be thread-safe and quick.
using HookObserver = std::function<void(HookKind kind, double seconds, bool ok)>;

// Counters of one ingest node (the events' `node`), for metrics. Any pointer
// may be null. Looked up once per node, on the puller thread.
struct NodeCounters {
  common::metrics::Counter* received = nullptr;  // events pulled from that node
  common::metrics::Counter* gaps = nullptr;      // seqs this dispatcher did not see
  common::metrics::Counter* lost = nullptr;      // seqs the ingest announced lost
};
using NodeCountersFactory = std::function<NodeCounters(const std::string& node)>;

struct Options {
  // Pull side (register_dispatcher_flags).
  std::vector<std::string> events_connect;  // ZeroMQ endpoints to PULL from
  int receive_hwm = 1000;                   // ZMQ_RCVHWM: do not hoard events
  common::Duration poll_interval{100};      // how often the puller checks for stop
  // While an endpoint is not connected, a WARN names it this often.
  common::Duration connect_warn_interval{30000};
  // This dispatcher is the only consumer of its ingests' events (the embedded
  // one; an external one with -sole-consumer): a seq gap is then a loss, a
  // WARN. Otherwise the other dispatchers' events are gaps here by design: a
  // metric and a DEBUG line.
  bool sole_consumer = false;

  // Hooks (register_hook_flags): the raw "event=target" pairs by kind name
  // ("webhook", "script", as in hook_kinds()).
  std::map<std::string, std::vector<std::string>, std::less<>> hook_pairs;
  std::string stdio_format;  // "", "json" or "env"
  // The embedding program writes the stdio hook's lines itself, through
  // Dispatcher::write_stdio() as each event is numbered, so they never wait
  // behind a full hook queue (which stops the pulling); the puller writes none.
  bool stdio_by_embedder = false;
  common::Duration hook_timeout{30000};
  int64_t hook_concurrency = 10;
  int64_t hook_queue = 10000;
  std::string webhook_secret;
  int64_t webhook_retries = 3;
  std::string webhook_ca_file;              // PEM bundle trusted instead of the system's
  int64_t webhook_threads = 0;              // webhook event loops; 0 = auto (webhook_loop_count)
  std::string nats_stream = "RTMP_EVENTS";  // JetStream stream of -hook-nats, created when absent
  int64_t nats_replicas = 1;                // its replicas when created
  std::string dead_letter;  // file finally failed executions are appended to; "" = none

  // Not flags: tuning with sane defaults.
  common::Duration kill_grace{2000};       // SIGTERM -> SIGKILL of a timed-out script
  common::Duration retry_base{100};        // first backoff step of a webhook retry
  common::Duration retry_max{5000};        // longest backoff step
  size_t script_output_limit = 64 * 1024;  // bytes of stdout/stderr kept per run
  int stdio_fd = 2;                        // where the stdio hook writes
  HookObserver on_hook_done;               // optional (metrics: duration histogram)
  NodeCountersFactory node_counters;       // optional (metrics per ingest node)
};

// -hook-<kind> for each kind, -hook-stdio-format, -hook-timeout,
// -hook-concurrency, -hook-queue, -webhook-secret, -webhook-retries,
// -webhook-ca-file, -webhook-threads, -dead-letter. Pairs are validated while parsing (FlagError).
void register_hook_flags(common::FlagSet& flags, Options& options);

// -events-connect (repeatable; default tcp://127.0.0.1:5556 when none given;
// call apply_connect_default() after parsing), -connect-warn-interval,
// -sole-consumer.
void register_dispatcher_flags(common::FlagSet& flags, Options& options);
// Also splits comma-separated values into endpoints and drops repeats.
void apply_connect_default(Options& options);
// "tcp://a:5556, tcp://b:5556" -> the two endpoints (ZeroMQ endpoints hold no commas).
std::vector<std::string> split_endpoints(const std::string& value);

// Parses one "event=target" pair; throws FlagError with what is wrong.
HookSpec parse_hook_spec(HookKind kind, const std::string& pair);

// Checks of the hook flags that parsing alone cannot make: a
// -webhook-ca-file that is readable PEM, a -nats-stream name NATS accepts.
// Throws FlagError naming the flag.
void check_hook_options(const Options& options);
// A WARN for each -hook-script that cannot be executed now. Not refused: it
// may be put in place later, and until then each of its events fails with
// an ERROR. Called once logging is up.
void warn_unrunnable_scripts(const Options& options);

// Whether any hook is configured (of any kind, or stdio): rtmp-ingest runs an
// embedded dispatcher only then.
bool has_hooks(const Options& options);
// rtmp-ingest without hooks: a WARN naming the hook options given, which then
// do nothing (a -dead-letter file that never appears). Called once logging
// is up.
void warn_options_without_hooks(const Options& options);

// The pairs given for one kind (empty when none).
const std::vector<std::string>& hook_pairs(const Options& options, HookKind kind);

// How many webhook event loops run: -webhook-threads, or when 0 the smaller of
// 2 and the CPU count; never more than -hook-concurrency, at least 1.
int webhook_loop_count(const Options& options);

// Every hook of the options, parsed; throws FlagError on the first bad pair.
std::vector<HookSpec> hook_specs(const Options& options);

}  // namespace rtmp::dispatcher
