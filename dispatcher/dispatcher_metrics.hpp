#pragma once
// The dispatcher's Prometheus metrics, read from Dispatcher::stats() at scrape
// time; shared by rtmp-dispatcher and rtmp-ingest's embedded mode.
#include "common/metrics.hpp"

namespace rtmp::dispatcher {

class Dispatcher;

// `dispatcher` must outlive the registry's use.
void register_dispatcher_metrics(common::metrics::Registry& registry, const Dispatcher& dispatcher);

}  // namespace rtmp::dispatcher
