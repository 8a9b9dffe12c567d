#pragma once
// The state of the PULL socket's connections to its ingests, read from a
// ZeroMQ socket monitor: how many are up (readiness, metrics), and what an
// operator must hear about one that is not: a WARN naming the endpoint and
// the cause where known, first at the first failed attempt (at start for a
// host name that does not resolve), then every `warn_interval` while it stays
// down. inproc:// endpoints (the ingest's embedded dispatcher) have no
// monitor events; they count as connected from the start. Puller thread only;
// the count of connected endpoints goes to an atomic others may read.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/duration.hpp"

namespace rtmp::dispatcher {

class IngestMonitor {
 public:
  // Starts monitoring `pull`, which must not have connected yet (the monitor
  // drops events while nobody listens). `context`, `pull` and `connected`
  // outlive this.
  IngestMonitor(zmq::context_t& context, zmq::socket_t& pull, std::vector<std::string> endpoints,
                common::Duration warn_interval, std::atomic<uint64_t>& connected);

  // After `pull` connected: checks that every tcp:// host name resolves
  // (startup: may block on DNS) and WARNs at once for one that does not.
  void started();
  // Takes the monitor's pending events and logs what changed; WARNs about
  // endpoints down for another `warn_interval`.
  void poll();
  // Stops monitoring; call before `pull` disconnects or closes.
  void stop();

  zmq::socket_t& socket() { return monitor_; }  // readable when events wait

 private:
  using Clock = std::chrono::steady_clock;
  struct Endpoint {
    std::string name;
    bool inproc = false;
    bool up = false;
    bool attempted = false;    // a TCP connect started since the last failed attempt
    uint64_t failures = 0;     // failed attempts since it was last up
    std::string cause;         // why it is down, where known
    Clock::time_point since;   // down since
    Clock::time_point warned;  // last WARN about it
  };
  Endpoint& find(std::string_view reported);
  void on_event(uint16_t event, std::string_view where);
  void warn(Endpoint& e, Clock::time_point now);
  void count();

  zmq::socket_t& pull_;
  zmq::socket_t monitor_;
  std::vector<Endpoint> endpoints_;
  const common::Duration warn_interval_;
  std::atomic<uint64_t>& connected_;
  bool stopped_ = false;
};

}  // namespace rtmp::dispatcher
