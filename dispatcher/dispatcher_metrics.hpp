#pragma once
// The dispatcher's Prometheus metrics, read from Dispatcher::stats() at scrape
// time; shared by rtmp-dispatcher and rtmp-ingest's embedded mode.
#include "common/metrics.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

class Dispatcher;

// `dispatcher` must outlive the registry's use.
void register_dispatcher_metrics(common::metrics::Registry& registry, const Dispatcher& dispatcher);

// Registers rtmp_dispatcher_hook_duration_seconds{kind="webhook"|"script"} and
// returns the observer that feeds it: put it in Options::on_hook_done before
// building the Dispatcher. `registry` must outlive the dispatcher.
HookObserver hook_duration_observer(common::metrics::Registry& registry);

// rtmp_dispatcher_node_events_total, _node_seq_gaps_total and
// _node_events_lost_total, labelled {node}, created as nodes appear: put it in
// Options::node_counters. `registry` must outlive the dispatcher.
NodeCountersFactory node_counters_factory(common::metrics::Registry& registry);

}  // namespace rtmp::dispatcher
