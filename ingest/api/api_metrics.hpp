#pragma once
// The HTTP API's Prometheus metrics, on the -metrics-addr endpoint:
//   rtmp_ingest_api_requests_total{route,status}   requests answered
//   rtmp_ingest_api_sse_clients                     live-event clients connected
//   rtmp_ingest_api_sse_clients_dropped_total       clients dropped for not reading
//   rtmp_ingest_api_sse_dropped_events              events each dropped client lost
//                                                   (a histogram, one observation a client)
// `route` is the route's pattern (`/api/v1/streams/{app}/{name}`), never the
// path itself, so the label set stays small.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/metrics.hpp"
#include "ingest/api/event_hub.hpp"

namespace rtmp::api {

class ApiMetrics {
 public:
  // Registers the metrics; `hub` must outlive the registry's renders.
  ApiMetrics(common::metrics::Registry& registry, const EventHub& hub);

  // Any thread.
  void request(std::string_view route, unsigned status);
  // A live-event client dropped for letting -api-sse-buffer fill: counted
  // once, with the events it lost.
  void sse_client_dropped(uint64_t events_lost);

 private:
  common::metrics::Registry& registry_;
  common::metrics::Histogram& dropped_events_;
  common::metrics::Counter& dropped_clients_;
  std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, common::metrics::Counter*> requests_;
};

}  // namespace rtmp::api
