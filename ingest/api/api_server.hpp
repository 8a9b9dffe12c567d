#pragma once
// The HTTP API (-api-addr, docs/api.md): the live streams as JSON, kicking a
// publisher, closing a connection, the live event stream (Server-Sent
// Events) and static pages (the dashboard at /). Boost.Beast on an
// io_context thread of its own, as the metrics endpoint, so no request runs
// on a media strand; what it reads of the streams comes from
// registry::Directory and StatsSampler, neither of which the media path waits
// for.
//
//   api::ApiContext ctx{directory, sampler, hub, close_fn, {{"/", page}}};
//   auto server = std::make_unique<api::ApiServer>(options, std::move(ctx));
//   ...                      // throws at construction if it cannot bind
//   ...                      // at shutdown, after the emitter has stopped:
//   server->stop(deadline);  // live-event clients get every event, then EOF
//   server.reset();
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/api/api_metrics.hpp"
#include "ingest/api/api_options.hpp"
#include "ingest/api/event_hub.hpp"
#include "ingest/api/stats_sampler.hpp"
#include "ingest/events/event.hpp"
#include "ingest/registry/directory.hpp"

namespace rtmp::api {

// A static page served at an exact path (GET/HEAD), without the token: it
// holds no data; what it shows it fetches from /api/ with the token.
struct Page {
  std::string content_type;
  std::string_view body;                          // static storage (built into the binary)
  std::string_view content_security_policy = {};  // sent when not empty
};

struct ApiContext {
  registry::Directory& directory;
  const StatsSampler& sampler;
  EventHub& hub;
  // Closes connection `conn_id` with `reason` from any thread; false when
  // there is no such connection.
  std::function<bool(const std::string& conn_id, events::StopReason reason, const std::string& why)>
      close_connection;
  std::map<std::string, Page> pages;  // by path, e.g. "/"
  ApiMetrics* metrics = nullptr;      // requests and live-event clients; optional
};

class ApiServer {
 public:
  // Binds and serves before returning; throws std::runtime_error naming the
  // address and the cause when it cannot.
  ApiServer(const ApiOptions& options, ApiContext context);
  // Stops accepting, finishes the hub (so live-event clients write every
  // event it was given, then end their responses), waits for them until
  // `deadline`, then closes every connection and joins. Call it after the
  // emitter has stopped, so the shutdown's own events reach the clients.
  void stop(std::chrono::steady_clock::time_point deadline);
  ~ApiServer();  // stop() now, if not done: closes every connection, joins
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::api
