#pragma once
// What the HTTP API (-api-*) and the periodic stream stats are configured with.
#include <cstdint>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"

namespace rtmp::api {

struct ApiOptions {
  std::string address;                     // -api-addr, e.g. "127.0.0.1:8090"; empty = off
  std::string token;                       // -api-token: a bearer token every /api/ request needs
  int64_t events_ring = 10000;             // events kept for Last-Event-ID replay
  int64_t sse_buffer_bytes = 1024 * 1024;  // per live-event client, before it is dropped
  common::Duration sse_keepalive = std::chrono::seconds(15);  // comment line this often; 0 = none
  common::Duration stats_interval{0};  // stream_stats every this long; 0 = off
  common::Duration read_timeout = std::chrono::seconds(10);
  common::Duration write_timeout = std::chrono::seconds(10);
};

// -api-addr, -api-token, -api-events-ring, -api-sse-buffer, -api-sse-keepalive,
// -stats-interval.
void register_api_flags(common::FlagSet& flags, ApiOptions& options);
// Refuses -api-* flags given without -api-addr (std::runtime_error naming
// them): a token set while the address is misspelt must not pass unnoticed.
void check_api_flags(const ApiOptions& options);

}  // namespace rtmp::api
