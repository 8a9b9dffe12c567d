#include "ingest/app/ingest_options.hpp"

#include "ingest/server/server.hpp"

namespace rtmp::server {

namespace {

std::string check_listen_address(const std::string& v) {
  try {
    parse_listen_address(v);
    return std::string();
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

}  // namespace

void register_ingest_flags(common::FlagSet& flags, IngestOptions& o) {
  flags.add_string("listen", &o.listen, ":1935", "RTMP listen address", check_listen_address);
  flags.add_string("tls-listen", &o.tls_listen, "",
                   "RTMPS listen address (TLS 1.2+; needs -tls-cert and -tls-key)",
                   [](const std::string& v) { return v.empty() ? v : check_listen_address(v); });
  flags.add_string("tls-cert", &o.tls_cert, "",
                   "PEM certificate (chain) of the RTMPS listener, reloaded on SIGHUP");
  flags.add_string("tls-key", &o.tls_key, "", "PEM private key of -tls-cert, reloaded on SIGHUP");
  flags.add_int("chunk-size", &o.chunk_size, 4096, 128, 65536, "outgoing chunk size");
  flags.add_duration(
      "handshake-timeout", &o.handshake_timeout, std::chrono::seconds(10),
      "longest time from accept to a completed connect (handshake and connect command; "
      "above 0)",
      common::FlagSet::above_zero());
  flags.add_duration("idle-timeout", &o.idle_timeout, std::chrono::seconds(30),
                     "close a publisher or unidentified connection that sends nothing this long "
                     "(above 0)",
                     common::FlagSet::above_zero());
  flags.add_duration("write-timeout", &o.write_timeout, std::chrono::seconds(30),
                     "close a connection whose pending write makes no progress this long (above 0)",
                     common::FlagSet::above_zero());
  flags.add_duration("shutdown-timeout", &o.shutdown_timeout, std::chrono::seconds(10),
                     "on SIGTERM, longest wait for sessions to end and queued -hook-* "
                     "executions to finish; hooks still queued then are abandoned (logged)");
  flags.add_int("max-message-size", &o.max_message_size, 8 * 1024 * 1024, 1024, 64 * 1024 * 1024,
                "largest RTMP message accepted, bytes");
  flags.add_int("max-chunk-streams", &o.max_chunk_streams, 64, 4, 65600,
                "chunk stream ids one connection may use");
  flags.add_int("max-partial-bytes", &o.max_partial_bytes, 0, 0, int64_t{1} << 32,
                "bytes one connection may hold in incomplete messages across its chunk streams "
                "(0 = twice -max-message-size)");
  flags.add_int("max-connections", &o.max_connections, 10000, 1, 1000000,
                "further connections are closed at accept, and logged");
  flags.add_int("player-queue", &o.player_queue, 1024, 16, 1000000,
                "messages queued per player; when full the player skips to the next keyframe");
  flags.add_duration("merge-write", &o.merge_write, std::chrono::milliseconds(100),
                     "longest a player's (or relay target's) media waits to be merged into one "
                     "write, trading latency for CPU (0 = write each message at once)");
  flags.add_int("merge-write-bytes", &o.merge_write_bytes, 64 * 1024, 0, 64 * 1024 * 1024,
                "a player's merge window shortens to what carries about this many bytes at "
                "its rate (0 = always the whole -merge-write)");
  flags.add_int("gop-cache-bytes", &o.gop_cache_bytes, 32 * 1024 * 1024, 0, int64_t{1} << 32,
                "largest GOP kept for late players, bytes (0 disables the cache)");
  flags.add_int("threads", &o.threads, 0, 0, 256, "I/O threads (0 = one per core)");
  events::register_event_flags(flags, o.events);
  dispatcher::register_hook_flags(flags, o.hooks);
  auth::register_flags(flags, o.auth);
  record::register_record_flags(flags, o.record);
  relay::register_relay_flags(flags, o.relay);
  srt::register_srt_flags(flags, o.srt);
  common::register_http_flags(flags, o.http);
  api::register_api_flags(flags, o.api);
  common::register_log_flags(flags, o.log);
}

int64_t effective_max_partial_bytes(const IngestOptions& o) {
  if (o.max_partial_bytes == 0) return 2 * o.max_message_size;
  if (o.max_partial_bytes < o.max_message_size) {
    throw common::FlagError("invalid value \"" + std::to_string(o.max_partial_bytes) +
                            "\" for flag -max-partial-bytes: below -max-message-size (" +
                            std::to_string(o.max_message_size) + ")");
  }
  return o.max_partial_bytes;
}

void check_tls_flags(const IngestOptions& o) {
  const bool listen = !o.tls_listen.empty(), cert = !o.tls_cert.empty(), key = !o.tls_key.empty();
  if (listen == cert && cert == key) return;
  if (listen) throw std::runtime_error("-tls-listen needs both -tls-cert and -tls-key");
  throw std::runtime_error("-tls-cert and -tls-key go together with -tls-listen");
}

}  // namespace rtmp::server
