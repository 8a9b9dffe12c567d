#pragma once
// rtmp-ingest wired together: the event emitter (and the embedded dispatcher
// when -hook-* flags are given), the authorizer, the registry, the RTMP
// listener, the metrics endpoint and the signals (SIGTERM/SIGINT graceful
// shutdown, SIGHUP auth file reload).
#include "ingest/app/ingest_options.hpp"

namespace rtmp::server {

// Builds everything and serves until SIGTERM/SIGINT. Throws std::runtime_error
// (or common::FlagError) on a startup error, before anything is served.
// Returns the exit status.
int run_ingest(IngestOptions options);

}  // namespace rtmp::server
