#include "ingest/api/api_metrics.hpp"

namespace rtmp::api {

ApiMetrics::ApiMetrics(common::metrics::Registry& registry, const EventHub& hub)
    : registry_(registry),
      dropped_events_(registry.histogram(
          "rtmp_ingest_api_sse_dropped_events",
          "Events lost by each live-event client dropped for not reading: those queued for it "
          "and the one that did not fit.",
          {1, 10, 100, 1000, 10000, 100000})),
      dropped_clients_(
          registry.counter("rtmp_ingest_api_sse_clients_dropped_total",
                           "Live-event clients dropped because they let -api-sse-buffer fill.")) {
  registry.gauge_callback("rtmp_ingest_api_sse_clients", "Live-event (SSE) clients connected.",
                          [&hub] { return static_cast<double>(hub.clients()); });
}

void ApiMetrics::request(std::string_view route, unsigned status) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(std::string(route), status);
  auto it = requests_.find(key);
  if (it == requests_.end()) {
    auto& counter = registry_.counter("rtmp_ingest_api_requests_total",
                                      "HTTP API requests answered, by route pattern and status.",
                                      {{"route", key.first}, {"status", std::to_string(status)}});
    it = requests_.emplace(std::move(key), &counter).first;
  }
  it->second->inc();
}

void ApiMetrics::sse_client_dropped(uint64_t events_lost) {
  dropped_clients_.inc();
  dropped_events_.observe(static_cast<double>(events_lost));
}

}  // namespace rtmp::api
