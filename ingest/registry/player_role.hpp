#pragma once
// One consumer's membership of a stream (a player today; a recorder or a
// relay the same way), as an owning, move-only handle that
// StreamRegistry::join hands out. Its end -- end(reason), or destruction on
// any path (an exception, the owner's destruction, shutdown) -- leaves the
// registry and emits the consumer's stop event (Subscriber::stop_event:
// play_stop for a player), subscriber_count (players only) and
// stream_delete when nobody is left, exactly once. A consumer that starts
// later than it joins (Subscriber::starts_at_join) emits its own start and
// stop through events(); the role's end then emits the stop of a start still
// open, and nothing of that consumer is emitted after it. A handle that holds no
// role (default-constructed, moved from, already ended) emits nothing.
//
// A new consumer:
//   auto sub = std::make_shared<MyConsumer>(...);      // a registry::Subscriber
//   PlayerRole role = registry.join(key, sub, conn_id); // start event emitted
//   ... media arrives through sub->link(), on the consumer's strand ...
//   role.end(events::StopReason::kClient);              // or let it go out of scope
// Keep the role in the object whose lifetime is the consumer's (a session, a
// recorder); keep the Subscriber a separate object (see subscriber.hpp).
//
// end() and destruction may run on any one thread at a time (the owner's);
// the registry's lock orders them against other connections.
#include <chrono>
#include <memory>
#include <string>

#include "ingest/events/event.hpp"
#include "ingest/registry/consumer_events.hpp"
#include "ingest/registry/stream.hpp"
#include "ingest/registry/subscriber.hpp"

namespace rtmp::registry {

class StreamRegistry;

class PlayerRole {
 public:
  PlayerRole() = default;
  PlayerRole(PlayerRole&& other) noexcept;
  // Ends the role held before (see ~PlayerRole), then takes `other`'s.
  PlayerRole& operator=(PlayerRole&& other) noexcept;
  PlayerRole(const PlayerRole&) = delete;
  PlayerRole& operator=(const PlayerRole&) = delete;
  // Ends a role still held, with StreamRegistry::unowned_end_reason().
  ~PlayerRole();

  explicit operator bool() const { return stream_ != nullptr; }
  // Leaves the stream: the link is closed (the publisher drops it at its
  // next message), then the stop event, subscriber_count, stream_delete.
  // No-op when no role is held.
  void end(events::StopReason reason) noexcept;

  // Only while a role is held.
  Stream& stream() const { return *stream_; }
  const std::string& key() const { return stream_->key(); }
  Subscriber& subscriber() const { return *sub_; }
  // For a subscriber that does not start at join: its start/stop (shared
  // with the consumer's strand; outlives the role, emitting nothing after
  // it ended). Null for one that starts at join.
  const std::shared_ptr<ConsumerEvents>& events() const { return events_; }

 private:
  friend class StreamRegistry;
  PlayerRole(StreamRegistry& registry, std::shared_ptr<Stream> stream,
             std::shared_ptr<Subscriber> sub, std::string conn_id,
             std::shared_ptr<ConsumerEvents> events);

  StreamRegistry* registry_ = nullptr;
  std::shared_ptr<Stream> stream_;
  std::shared_ptr<Subscriber> sub_;
  std::string conn_id_;
  std::chrono::steady_clock::time_point started_;
  std::shared_ptr<ConsumerEvents> events_;
};

}  // namespace rtmp::registry
