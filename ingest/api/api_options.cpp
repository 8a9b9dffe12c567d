#include "ingest/api/api_options.hpp"

#include <stdexcept>

#include "common/host_port.hpp"

namespace rtmp::api {

void register_api_flags(common::FlagSet& flags, ApiOptions& o) {
  flags.add_string("api-addr", &o.address, "",
                   "HTTP API address (streams, kick, live events, dashboard), e.g. "
                   "127.0.0.1:8090 (empty = off)",
                   [](const std::string& v) -> std::string {
                     if (v.empty()) return "";
                     try {
                       common::parse_host_port(v);
                       return "";
                     } catch (const std::invalid_argument& e) {
                       return e.what();
                     }
                   });
  flags.add_string("api-token", &o.token, "",
                   "bearer token every /api/ request must carry (Authorization: Bearer TOKEN); "
                   "empty = none");
  flags.add_int("api-events-ring", &o.events_ring, ApiOptions{}.events_ring, 0, 10'000'000,
                "events kept in memory for live-event clients reconnecting with Last-Event-ID");
  flags.add_int("api-sse-buffer", &o.sse_buffer_bytes, ApiOptions{}.sse_buffer_bytes, 4096,
                int64_t{1} << 30,
                "bytes of events queued for one live-event client that does not read before "
                "it is dropped");
  flags.add_duration("api-sse-keepalive", &o.sse_keepalive, ApiOptions{}.sse_keepalive,
                     "send live-event clients a keepalive comment this often, events or not; the "
                     "dashboard reconnects after three silent periods (0 = none)",
                     common::FlagSet::zero_or_at_least(std::chrono::milliseconds(100)));
  flags.add_duration("stats-interval", &o.stats_interval, common::Duration{0},
                     "emit a stream_stats event per live stream this often, e.g. 10s (0 = off)",
                     common::FlagSet::zero_or_at_least(std::chrono::milliseconds(100)));
}

void check_api_flags(const ApiOptions& o) {
  if (!o.address.empty()) return;
  const ApiOptions defaults;
  common::refuse_orphan_flags({{!o.token.empty(), "-api-token"},
                               {o.events_ring != defaults.events_ring, "-api-events-ring"},
                               {o.sse_buffer_bytes != defaults.sse_buffer_bytes, "-api-sse-buffer"},
                               {o.sse_keepalive != defaults.sse_keepalive, "-api-sse-keepalive"}},
                              "-api-addr", "the API is off");
}

}  // namespace rtmp::api
