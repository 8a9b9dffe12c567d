#pragma once
// The EventSink sessions hand events to (docs/failures.md): emit() is a short, bounded hand-off
// under one mutex that numbers the event; one emitter thread serializes each
// event to protobuf and sends it with ZMQ_DONTWAIT on each lane (EventLane):
// one PUSH socket for the external dispatchers, one for the embedded hooks, so
// each group sees every event. While a lane's consumers cannot take events
// they wait in its buffer of options.buffer_capacity; when it is full the
// oldest leaves it, counted as undelivered and announced to the dispatchers
// as a lost seq, and an event no lane delivered goes to the stdio fallback
// (one JSON line), as does what a lane still holds at stop. With no lane (no
// consumer configured) every event goes to the stdio fallback at once.
// Nothing leaves without being counted.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingest/events/emitter_options.hpp"
#include "ingest/events/event.hpp"

namespace zmq {
class context_t;
}

namespace rtmp::events {

struct EmitterStats {
  // Handed off with a seq; with one lane == sent + fallback + buffered + in flight.
  uint64_t emitted = 0;
  uint64_t sent = 0;         // accepted by ZeroMQ for a dispatcher, once per lane
  uint64_t buffered = 0;     // waiting for a dispatcher now, summed over lanes
  uint64_t undelivered = 0;  // a lane's consumers never took it (buffer full or left at stop)
  uint64_t fallback = 0;     // written to the stdio fallback, once per event
  uint64_t dropped = 0;      // refused at hand-off (backlog full or emitter stopped); logged
};

class ZmqEmitter final : public EventSink {
 public:
  // Binds every endpoint (bind_endpoints, then embedded_endpoint on a socket
  // of its own) and starts the emitter thread; throws
  // std::runtime_error naming the endpoint when one cannot be bound.
  // `context` must outlive the emitter.
  ZmqEmitter(zmq::context_t& context, EmitterOptions options);
  ~ZmqEmitter() override;  // stop()
  ZmqEmitter(const ZmqEmitter&) = delete;
  ZmqEmitter& operator=(const ZmqEmitter&) = delete;

  // Assigns seq (from 1), id and timestamp, queues the event and returns.
  void emit(Event event) noexcept override;

  // Sends what dispatchers take within options.linger, writes the rest to the
  // fallback, closes the socket. Idempotent; later emits count as dropped.
  void stop();

  EmitterStats stats() const;
  // The endpoints as bound ("tcp://127.0.0.1:41234" for "tcp://127.0.0.1:*").
  const std::vector<std::string>& endpoints() const;
  const std::string& ingest_id() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::events
