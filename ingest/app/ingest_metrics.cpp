#include "ingest/app/ingest_metrics.hpp"

#include "dispatcher/dispatcher.hpp"
#include "dispatcher/dispatcher_metrics.hpp"

namespace rtmp::server {

void register_ingest_metrics(common::metrics::Registry& r, const SessionCounters& c,
                             const registry::StreamRegistry& streams,
                             const events::ZmqEmitter& emitter,
                             const dispatcher::Dispatcher* hooks) {
  const auto value = [](const auto& atomic) {
    return [&atomic] { return static_cast<double>(atomic.load(std::memory_order_relaxed)); };
  };
  r.gauge_callback("rtmp_ingest_connections", "Open RTMP connections.", value(c.connections_open));
  r.counter_callback("rtmp_ingest_connections_total", "RTMP connections accepted.",
                     value(c.connections_total));
  r.counter_callback("rtmp_ingest_connections_rejected_total",
                     "Connections closed at accept by -max-connections.",
                     value(c.connections_rejected));
  r.counter_callback("rtmp_ingest_bytes_received_total", "Bytes read from RTMP clients.",
                     value(c.bytes_in));
  r.counter_callback("rtmp_ingest_bytes_sent_total", "Bytes written to RTMP clients.",
                     value(c.bytes_out));
  r.counter_callback("rtmp_ingest_protocol_errors_total",
                     "Connections closed for malformed RTMP input.", value(c.protocol_errors));
  r.counter_callback("rtmp_ingest_players_dropped_total",
                     "Players disconnected for not keeping up.", value(c.players_dropped));
  r.counter_callback("rtmp_ingest_auth_failures_total", "Publish or play refused by auth.",
                     value(c.auth_failures));
  r.gauge_callback("rtmp_ingest_streams", "Stream keys in the registry.",
                   [&streams] { return static_cast<double>(streams.counts().streams); });
  r.gauge_callback("rtmp_ingest_publishers", "Streams with a publisher.",
                   [&streams] { return static_cast<double>(streams.counts().publishers); });
  r.gauge_callback("rtmp_ingest_players", "Players subscribed to a stream.",
                   [&streams] { return static_cast<double>(streams.counts().players); });
  r.counter_callback("rtmp_ingest_events_emitted_total", "Events handed off by sessions.",
                     [&emitter] { return static_cast<double>(emitter.stats().emitted); });
  r.counter_callback("rtmp_ingest_events_sent_total", "Events taken by a dispatcher.",
                     [&emitter] { return static_cast<double>(emitter.stats().sent); });
  r.gauge_callback("rtmp_ingest_events_buffered", "Events waiting for a dispatcher.",
                   [&emitter] { return static_cast<double>(emitter.stats().buffered); });
  r.counter_callback("rtmp_ingest_events_undelivered_total",
                     "Events no dispatcher took (buffer full, or left at shutdown); counted "
                     "once for the embedded hooks and once for the -events-bind dispatchers.",
                     [&emitter] { return static_cast<double>(emitter.stats().undelivered); });
  r.counter_callback("rtmp_ingest_events_fallback_total",
                     "Events written to the stdio fallback (stderr): undelivered ones, or every "
                     "event when no hook and no -events-bind is configured.",
                     [&emitter] { return static_cast<double>(emitter.stats().fallback); });
  r.counter_callback("rtmp_ingest_events_dropped_total", "Events lost (logged at ERROR).",
                     [&emitter] { return static_cast<double>(emitter.stats().dropped); });
  if (hooks) dispatcher::register_dispatcher_metrics(r, *hooks);
}

}  // namespace rtmp::server
