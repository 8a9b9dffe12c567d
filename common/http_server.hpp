#pragma once
// The operational HTTP endpoint (-metrics-addr): GET /metrics (Prometheus text
// 0.0.4), /healthz (200 "ok" while the process serves), /readyz (200 when the
// `ready` callback says so, else 503). Boost.Beast, HTTP/1.1 keep-alive, on its
// own io_context thread so a scrape never touches the media path.
//
//   common::HttpServerOptions http_opts;           // .address from -metrics-addr
//   common::register_http_flags(flags, http_opts);
//   ...
//   std::unique_ptr<common::HttpServer> http;
//   if (!http_opts.address.empty()) {
//     http = std::make_unique<common::HttpServer>(
//         http_opts, [&] { return registry.render(); }, [&] { return ready(); });
//   }                                                // throws if it cannot bind
//   ...
//   http.reset();                                    // stops and joins
//
// Both callbacks run on the server's thread and must be thread-safe.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/duration.hpp"
#include "common/flags.hpp"

namespace rtmp::common {

struct HttpServerOptions {
  std::string address;                               // ":9100", "127.0.0.1:9100", "[::1]:0"
  Duration read_timeout = std::chrono::seconds(10);  // per request, and idle keep-alive
  Duration write_timeout = std::chrono::seconds(10);
  std::size_t max_request_bytes = 16 * 1024;  // header + body
};

// -metrics-addr (validated with parse_host_port).
void register_http_flags(FlagSet& flags, HttpServerOptions& options);

class HttpServer {
 public:
  using MetricsFn = std::function<std::string()>;
  using ReadyFn = std::function<bool()>;

  // Binds and starts serving before returning; throws std::runtime_error with
  // the address and the reason when it cannot resolve, bind or listen.
  HttpServer(const HttpServerOptions& options, MetricsFn metrics, ReadyFn ready);
  ~HttpServer();  // stops accepting, closes connections, joins the thread
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (useful after binding port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::common
