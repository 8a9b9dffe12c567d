#pragma once
// Everything rtmp-ingest is configured with, and its flags (docs/flags.md).
#include <cstdint>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/http_server.hpp"
#include "common/logging.hpp"
#include "dispatcher/options.hpp"
#include "ingest/api/api_options.hpp"
#include "ingest/auth/authorizer.hpp"
#include "ingest/events/emitter_options.hpp"
#include "ingest/record/record_options.hpp"
#include "ingest/relay/relay_options.hpp"
#include "ingest/srt/srt_options.hpp"

namespace rtmp::server {

struct IngestOptions {
  std::string listen = ":1935";
  // RTMPS: all three, or none.
  std::string tls_listen;
  std::string tls_cert;
  std::string tls_key;
  int64_t chunk_size = 4096;
  common::Duration handshake_timeout = std::chrono::seconds(10);
  common::Duration idle_timeout = std::chrono::seconds(30);
  common::Duration write_timeout = std::chrono::seconds(30);
  common::Duration shutdown_timeout = std::chrono::seconds(10);
  int64_t max_message_size = 8 * 1024 * 1024;
  int64_t max_chunk_streams = 64;
  int64_t max_partial_bytes = 0;  // 0 = 2 x max_message_size
  int64_t max_connections = 10000;
  int64_t player_queue = 1024;
  common::Duration merge_write = std::chrono::milliseconds(100);
  int64_t merge_write_bytes = 64 * 1024;
  int64_t gop_cache_bytes = 32 * 1024 * 1024;
  int64_t threads = 0;

  events::EmitterOptions events;
  dispatcher::Options hooks;
  auth::Options auth;
  common::LogOptions log;
  common::HttpServerOptions http;
  api::ApiOptions api;
  record::RecordOptions record;
  relay::RelayOptions relay;
  srt::SrtOptions srt;

  // Whether any -hook-* flag asks for the embedded dispatcher.
  bool hooks_enabled() const { return dispatcher::has_hooks(hooks); }
};

void register_ingest_flags(common::FlagSet& flags, IngestOptions& options);

// -max-partial-bytes as applied: its value, or twice -max-message-size when 0.
// Throws common::FlagError when set below -max-message-size (a message that
// size could never be received).
int64_t effective_max_partial_bytes(const IngestOptions& options);

// Throws std::runtime_error unless -tls-listen, -tls-cert and -tls-key are
// given together or not at all.
void check_tls_flags(const IngestOptions& options);

}  // namespace rtmp::server
