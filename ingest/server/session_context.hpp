#pragma once
// What every session shares: configuration, the registry, the event sink,
// the authorizer and the counters. Owned by the Server; outlives sessions.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>

#include "common/duration.hpp"
#include "ingest/auth/authorizer.hpp"
#include "ingest/events/event.hpp"
#include "ingest/protocol/rtmp_connection.hpp"
#include "ingest/record/recorder.hpp"
#include "ingest/registry/stream_registry.hpp"
#include "ingest/relay/relay_options.hpp"

namespace rtmp::server {

struct SessionOptions {
  protocol::ConnectionOptions connection;
  common::Duration handshake_timeout = std::chrono::seconds(10);
  common::Duration idle_timeout = std::chrono::seconds(30);
  common::Duration write_timeout = std::chrono::seconds(30);
  uint32_t player_queue = 1024;  // messages queued per player before it skips ahead
  // Merged writes: a woken player waits up to merge_write before writing, so
  // one writev carries every message of the window (0 = write at once); the
  // window shortens so that a write carries about merge_write_bytes at the
  // player's rate (0 = always the whole window). See merge_window.hpp.
  common::Duration merge_write{0};
  size_t merge_write_bytes = 0;
  uint32_t player_max_skips = 3;  // keyframes still too far behind before it is dropped
  size_t max_stream_name = 1024;
};

struct SessionCounters {
  std::atomic<uint64_t> connections_total{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> players_dropped{0};
  std::atomic<uint64_t> auth_failures{0};
};

struct SessionContext {
  SessionOptions options;
  registry::StreamRegistry& registry;
  events::EventSink& events;
  auth::Authorizer& authorizer;
  SessionCounters& counters;
  record::Recorder* recorder = nullptr;        // null when nothing is recorded
  const relay::RelayOptions* relay = nullptr;  // null or empty: no -relay-to
};

}  // namespace rtmp::server
