#pragma once
// The receiving end of the ingests' event stream: one ZeroMQ PULL socket
// connected to every -events-connect endpoint, its connection monitor, and
// the way out at shutdown. Knows nothing of what an event means; whoever
// pulls gets the raw messages (the dispatcher's Intake). Puller thread only.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/duration.hpp"
#include "dispatcher/ingest_monitor.hpp"

namespace rtmp::dispatcher {

struct PullerOptions {
  std::vector<std::string> endpoints;
  int receive_hwm = 1000;  // ZMQ_RCVHWM: do not hoard events other dispatchers could take
  common::Duration poll_interval{100};  // longest wait per pull()
  common::Duration connect_warn_interval{30000};
};

class EventPuller {
 public:
  // Takes one message; returns whether to go on taking more this turn.
  using Handler = std::function<bool(const zmq::message_t&)>;

  // `context` and `connected` (how many endpoints are up, for readiness and
  // metrics; any thread may read it) outlive the puller.
  EventPuller(zmq::context_t& context, PullerOptions options, std::atomic<uint64_t>& connected);
  ~EventPuller();
  EventPuller(const EventPuller&) = delete;
  EventPuller& operator=(const EventPuller&) = delete;

  // Creates the socket and its monitor and connects every endpoint; throws
  // zmq::error_t on a bad endpoint (startup).
  void connect();
  // One turn: reads the monitor, waits up to poll_interval for messages, then
  // hands up to `max` of them to `take` (while it returns true).
  void pull(int max, const Handler& take);
  // Leaves the ingests: hands what already reached the socket to `take`,
  // disconnects (PUSH then routes the rest to other dispatchers), takes what
  // arrived meanwhile and closes. What is still on the wire at that instant is
  // lost (PUSH/PULL has no acknowledgment); draining first keeps that short.
  void leave(const Handler& take);

 private:
  int drain(int limit, const Handler& take);

  zmq::context_t& context_;
  const PullerOptions options_;
  std::atomic<uint64_t>& connected_;
  zmq::socket_t socket_;
  std::unique_ptr<IngestMonitor> monitor_;
};

}  // namespace rtmp::dispatcher
