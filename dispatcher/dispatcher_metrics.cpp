#include "dispatcher/dispatcher_metrics.hpp"

#include "dispatcher/dispatcher.hpp"
#include "dispatcher/hook_kinds.hpp"

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
                   "Ingest endpoints of the PULL socket that are connected (an inproc:// one, "
                   "the ingest's embedded dispatcher, counts as connected).",
                   stat([](const Stats& s) { return s.connected; }));
  r.gauge_callback("rtmp_dispatcher_running", "Hook executions running now.",
                   stat([](const Stats& s) { return s.running; }));
  r.counter_callback("rtmp_dispatcher_dead_letters_total",
                     "Finally failed hook executions appended to -dead-letter.",
                     stat([](const Stats& s) { return s.dead_letters_written; }));
  r.counter_callback("rtmp_dispatcher_dead_letters_dropped_total",
                     "Dead letters not written (the file's queue full, or a write error).",
                     stat([](const Stats& s) { return s.dead_letters_dropped; }));
  // One series per hook kind, then stdio (index past the kinds).
  const size_t n = hook_kinds().size();
  const auto of = [n](const Stats& s, size_t i) -> const KindStats& {
    return i < n ? s.kinds[i] : s.stdio;
  };
  for (size_t i = 0; i <= n; ++i) {
    const std::string kind = i < n ? std::string(hook_kinds()[i].name) : "stdio";
    r.counter_callback("rtmp_dispatcher_hook_executions_total", "Hook executions finished.",
                       stat([of, i](const Stats& s) { return of(s, i).executions; }),
                       {{"kind", kind}});
    r.counter_callback("rtmp_dispatcher_hook_failures_total", "Hook executions that failed.",
                       stat([of, i](const Stats& s) { return of(s, i).failures; }),
                       {{"kind", kind}});
    r.counter_callback("rtmp_dispatcher_hook_retries_total", "Extra webhook and NATS attempts.",
                       stat([of, i](const Stats& s) { return of(s, i).retries; }),
                       {{"kind", kind}});
  }
}

HookObserver hook_duration_observer(common::metrics::Registry& r) {
  const char* help = "Hook execution time, all attempts included.";
  std::vector<common::metrics::Histogram*> by_kind;
  for (const HookKindDef& def : hook_kinds()) {
    by_kind.push_back(&r.histogram("rtmp_dispatcher_hook_duration_seconds", help,
                                   common::metrics::default_latency_buckets(),
                                   {{"kind", std::string(def.name)}}));
  }
  return [by_kind](HookKind kind, double seconds, bool) { by_kind[kind]->observe(seconds); };
}

NodeCountersFactory node_counters_factory(common::metrics::Registry& r) {
  return [&r](const std::string& node) {
    const common::metrics::Labels labels{{"node", node}};
    return NodeCounters{
        &r.counter("rtmp_dispatcher_node_events_total",
                   "Events pulled from the ingest node (its -node-id).", labels),
        &r.counter("rtmp_dispatcher_node_seq_gaps_total",
                   "Seqs of the ingest node this dispatcher did not see: events other "
                   "dispatchers took, or lost.",
                   labels),
        &r.counter("rtmp_dispatcher_node_events_lost_total",
                   "Events the ingest node announced no dispatcher will get (its -events-buffer "
                   "was full; they are on its stdio fallback).",
                   labels)};
  };
}

}  // namespace rtmp::dispatcher
