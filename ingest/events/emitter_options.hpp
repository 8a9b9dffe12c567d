#pragma once
// What the ZeroMQ event emitter is configured with, and its ingest flags.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/flags.hpp"

namespace rtmphooks {
class Event;
}

namespace rtmp::events {

// A consumer inside the process that sees every event (the HTTP API's live
// event stream, the embedded stdio hook): numbered, in seq order, on the
// emitter thread, whatever the lanes did with it. It does not count as
// delivery (an event only it saw still goes to the stdio fallback, unless
// EmitterOptions::stderr_has_every_event). observe() must not wait for
// anything but its own output; flush() is called whenever the emitter runs
// out of events at hand.
class EventObserver {
 public:
  virtual ~EventObserver() = default;
  virtual void observe(const rtmphooks::Event& event) noexcept = 0;
  virtual void flush() noexcept {}
};

// Where the embedded dispatcher pulls from when -hook-* flags are given.
inline constexpr const char* kEmbeddedEventsEndpoint = "inproc://rtmp-events";

struct EmitterOptions {
  // Where external dispatchers connect (-events-bind): one PUSH socket, so
  // they share the events among themselves.
  std::vector<std::string> bind_endpoints;
  // kEmbeddedEventsEndpoint when hooks run in-process: a PUSH socket of its
  // own, so the embedded hooks see every event whoever else pulls. With
  // neither, every event goes to the stdio fallback at once.
  std::string embedded_endpoint;
  // Events held while no dispatcher can take them (-events-buffer).
  int64_t buffer_capacity = 100000;
  // ZMQ_SNDHWM: messages ZeroMQ itself queues toward connected dispatchers.
  int sndhwm = 10000;
  // This ingest's name (-node-id): `node` in every event, and the first part
  // of ingest_id. Empty until resolve_node_id() (the host name by default).
  std::string node_id;
  // Identifies this process in event ids ("evt-<ingest_id>-<seq>"); when
  // empty, "<node_id>-<16 random hex digits>", so ids never collide across
  // ingests nor across restarts of one.
  std::string ingest_id;
  // stop(): longest wait for dispatchers to take what is left (-events-linger).
  common::Duration linger = std::chrono::seconds(2);
  // How often a blocked emitter retries the socket; no busy loop.
  common::Duration wake_interval = std::chrono::milliseconds(20);
  // Least time between two log lines about fallback or dropped events.
  common::Duration report_interval = std::chrono::seconds(5);
  // Events handed off but not yet processed by the emitter thread; past it an
  // event is dropped, counted and logged at ERROR (only if stderr stalls).
  size_t max_backlog = 1'000'000;
  // Where stdio fallback lines go (one JSON object per line).
  std::FILE* fallback = stderr;
  // See every event after it is numbered, in this order; must outlive the emitter.
  std::vector<EventObserver*> observers;
  // An observer writes every event to the fallback's stream as the same JSON
  // line (the embedded stdio hook, json format): the fallback would only
  // repeat it, so its events are counted but not written again.
  bool stderr_has_every_event = false;
};

// -events-bind (repeatable), -events-buffer, -events-linger, -node-id.
void register_event_flags(common::FlagSet& flags, EmitterOptions& options);

// What is wrong with `value` as a node id, or "" when it is fine: 1 to 64 of
// A-Z a-z 0-9 . _ -, beginning with a letter or digit (it goes into event ids,
// Prometheus labels, message subjects and file names unquoted).
std::string node_id_error(const std::string& value);
// Sets options.node_id to the host name when -node-id was not given; throws
// common::FlagError (one line naming -node-id) when that is not a valid node id.
void resolve_node_id(EmitterOptions& options);

}  // namespace rtmp::events
