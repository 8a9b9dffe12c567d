#pragma once
// Stream keys -> streams: one publisher per key, any number of players (and
// other consumers), a player before the publisher waits for it. Roles are
// handed out as owning handles (PublisherRole, PlayerRole) whose end emits
// the stop; the registry emits every membership event under one lock, so
// they come in causal order across connections:
//   stream_create -> publish_start / play_start -> subscriber_count
//   publish_stop / play_stop -> subscriber_count -> stream_delete
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ingest/events/event.hpp"
#include "ingest/registry/directory.hpp"
#include "ingest/registry/player_role.hpp"
#include "ingest/registry/publisher_role.hpp"
#include "ingest/registry/stream.hpp"

namespace rtmp::registry {

class StreamRegistry {
 public:
  StreamRegistry(events::EventSink& sink, StreamLimits limits) : sink_(sink), limits_(limits) {}
  // Outlives every role it handed out.
  ~StreamRegistry() = default;

  // Claims `key` for a publisher. An empty role when the key already has one
  // (the caller answers NetStream.Publish.BadName; nothing is emitted).
  // Order: stream_create (if new), `start`. Waiting players are attached at
  // the first media message.
  PublisherRole publish(const std::string& key, const std::string& conn_id,
                        events::PublishStart start);

  // Adds a consumer to `key`. Order: stream_create (if new),
  // sub->start_event() (unless the subscriber starts later, through the
  // role's events()), subscriber_count (players only).
  PlayerRole join(const std::string& key, std::shared_ptr<Subscriber> sub,
                  const std::string& conn_id);

  // From here on a role that ends by destruction (its owner vanished
  // without ending it) says `shutdown`; before, `error`.
  void begin_shutdown() { shutting_down_.store(true, std::memory_order_relaxed); }
  events::StopReason unowned_end_reason() const;

  struct Counts {
    size_t streams = 0, publishers = 0, players = 0;
  };
  Counts counts() const;

  // Live publishes and plays for readers off the media path (the HTTP API,
  // stream stats); sessions list their roles in it.
  Directory& directory() { return directory_; }

 private:
  friend class PublisherRole;
  friend class PlayerRole;
  friend class ConsumerEvents;
  // A consumer's own event, under the lock (ordered with membership events).
  void emit_locked(const std::string& conn_id, const std::string& key, events::EventData data);
  // The ends of the roles (their owner's strand).
  void unpublish(const std::shared_ptr<Stream>& stream, const std::string& conn_id,
                 events::PublishStop stop);
  void leave(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Subscriber>& sub,
             const std::string& conn_id, std::optional<events::EventData> stop);

  std::shared_ptr<Stream> acquire(const std::string& key, const std::string& conn_id);
  void release_if_empty(const std::shared_ptr<Stream>& stream, const std::string& conn_id);
  void emit(const std::string& conn_id, const std::string& key, events::EventData data);

  events::EventSink& sink_;
  const StreamLimits limits_;
  std::atomic<bool> shutting_down_{false};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> streams_;
  Directory directory_;
};

}  // namespace rtmp::registry
