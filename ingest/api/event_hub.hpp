#pragma once
// The HTTP API's share of the event stream: every event, as the emitter
// numbers it (events::EventObserver), rendered once as a Server-Sent Events
// frame (`id:` the event id, `data:` the JSON payload the stdio hook prints),
// kept in a ring for clients that come back with Last-Event-ID, and handed to
// each connected client whose filter matches. observe() runs on the emitter
// thread and only appends and hands off under the hub's own mutex: a client
// buffers what it is handed (bounded, see EventClient) and never slows the
// emitter, the hooks or the media.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/events/emitter_options.hpp"

namespace rtmp::api {

// One event as the hub keeps it.
struct HubEvent {
  uint64_t seq = 0;
  std::string type;
  std::string stream_key;
  std::shared_ptr<const std::string> frame;  // "id: …\ndata: {…}\n\n"
};

// ?type=a,b and ?stream=app/name (repeated: any of them): an empty part
// matches everything.
struct EventFilter {
  std::vector<std::string> types;
  std::vector<std::string> streams;
  bool matches(const HubEvent& e) const;
};

// A connected client, as the hub sees it. deliver() is called under the
// hub's mutex, in seq order, and must return at once; false means the client
// gave up (its buffer is full, or it is closing) and is forgotten. A client
// that is dropped for not reading says so itself (its log line and metrics):
// the hub cannot tell that from one that hung up. finish(), also under the
// mutex and after the last deliver(), says no event follows: the client
// writes what it holds, then ends its response.
class EventClient {
 public:
  virtual ~EventClient() = default;
  virtual bool deliver(const std::shared_ptr<const std::string>& frame) noexcept = 0;
  virtual void finish() noexcept = 0;
};

class EventHub final : public events::EventObserver {
 public:
  explicit EventHub(size_t ring_capacity) : capacity_(ring_capacity) {}

  void observe(const rtmphooks::Event& event) noexcept override;

  // Registers `client` for live events matching `filter` and returns the
  // frames it missed: those in the ring after `last_event_id` (all of the
  // ring when the id is from another ingest process or older than the
  // ring), none without one. Live events follow them without gap or overlap.
  std::vector<std::shared_ptr<const std::string>> subscribe(
      std::weak_ptr<EventClient> client, EventFilter filter,
      const std::optional<std::string>& last_event_id);
  void unsubscribe(const EventClient* client);

  // No more events (the emitter has stopped): every client is finished and
  // forgotten, and one that subscribes later gets its replay, then finish().
  void finish();

  size_t clients() const;

 private:
  struct Subscription {
    std::weak_ptr<EventClient> client;
    const EventClient* raw;
    EventFilter filter;
  };

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<HubEvent> ring_;
  std::string id_prefix_;  // "evt-<ingest_id>-" of the events seen
  std::vector<Subscription> subs_;
  bool finished_ = false;
};

}  // namespace rtmp::api
