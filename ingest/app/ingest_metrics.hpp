#pragma once
// rtmp-ingest's Prometheus metrics: connections, streams, publishers,
// players, bytes, protocol errors, events emitted/buffered/fallback/dropped.
#include "common/metrics.hpp"
#include "ingest/events/zmq_emitter.hpp"
#include "ingest/registry/stream_registry.hpp"
#include "ingest/server/session_context.hpp"

namespace rtmp::dispatcher {
class Dispatcher;
}

namespace rtmp::server {

// Everything registered reads values owned elsewhere at scrape time; the
// arguments must outlive the registry's use. `hooks` may be null.
void register_ingest_metrics(common::metrics::Registry& registry, const SessionCounters& counters,
                             const registry::StreamRegistry& streams,
                             const events::ZmqEmitter& emitter,
                             const dispatcher::Dispatcher* hooks);

}  // namespace rtmp::server
