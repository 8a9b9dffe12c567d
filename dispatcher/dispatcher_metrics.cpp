#include "dispatcher/dispatcher_metrics.hpp"

#include "dispatcher/dispatcher.hpp"

namespace rtmp::dispatcher {

void register_dispatcher_metrics(common::metrics::Registry& r, const Dispatcher& d) {
  const auto stat = [&d](auto field) {
    return [&d, field] { return static_cast<double>(field(d.stats())); };
  };
  r.counter_callback("rtmp_dispatcher_events_received_total", "Events pulled from ingests.",
                     stat([](const Stats& s) { return s.events_received; }));
  r.counter_callback("rtmp_dispatcher_events_malformed_total", "Messages that were not events.",
                     stat([](const Stats& s) { return s.events_malformed; }));
  r.counter_callback("rtmp_dispatcher_seq_gaps_total",
                     "Events missing between consecutive seqs of one ingest.",
                     stat([](const Stats& s) { return s.seq_gaps; }));
  r.gauge_callback("rtmp_dispatcher_queue_depth", "Hook executions waiting for a slot.",
                   stat([](const Stats& s) { return s.queue_depth; }));
  r.gauge_callback("rtmp_dispatcher_connected_ingests",
                   "Ingest connections of the PULL socket that are up (not for inproc://).",
                   stat([](const Stats& s) { return s.connected; }));
  r.gauge_callback("rtmp_dispatcher_running", "Hook executions running now.",
                   stat([](const Stats& s) { return s.running; }));
  const struct {
    const char* kind;
    KindStats Stats::*field;
  } kinds[] = {{"webhook", &Stats::webhook}, {"script", &Stats::script}, {"stdio", &Stats::stdio}};
  for (const auto& k : kinds) {
    const auto field = k.field;
    r.counter_callback("rtmp_dispatcher_hook_executions_total", "Hook executions finished.",
                       stat([field](const Stats& s) { return (s.*field).executions; }),
                       {{"kind", k.kind}});
    r.counter_callback("rtmp_dispatcher_hook_failures_total", "Hook executions that failed.",
                       stat([field](const Stats& s) { return (s.*field).failures; }),
                       {{"kind", k.kind}});
    r.counter_callback("rtmp_dispatcher_hook_retries_total", "Extra webhook attempts.",
                       stat([field](const Stats& s) { return (s.*field).retries; }),
                       {{"kind", k.kind}});
  }
}

HookObserver hook_duration_observer(common::metrics::Registry& r) {
  const char* help = "Hook execution time, all attempts included.";
  auto* webhook = &r.histogram("rtmp_dispatcher_hook_duration_seconds", help,
                               common::metrics::default_latency_buckets(), {{"kind", "webhook"}});
  auto* script = &r.histogram("rtmp_dispatcher_hook_duration_seconds", help,
                              common::metrics::default_latency_buckets(), {{"kind", "script"}});
  return [webhook, script](HookKind kind, double seconds, bool) {
    (kind == HookKind::webhook ? webhook : script)->observe(seconds);
  };
}

}  // namespace rtmp::dispatcher
