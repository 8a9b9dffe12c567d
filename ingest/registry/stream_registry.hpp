#pragma once
// Stream keys -> streams: one publisher per key, any number of players, a
// player before the publisher waits for it. Emits stream_create,
// stream_delete and subscriber_count, in causal order with the caller's
// start/stop events (passed in as callbacks run under the same lock).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ingest/events/event.hpp"
#include "ingest/registry/stream.hpp"

namespace rtmp::registry {

class StreamRegistry {
 public:
  StreamRegistry(events::EventSink& sink, StreamLimits limits) : sink_(sink), limits_(limits) {}

  using Emit = std::function<void()>;

  // Claims `key` for a publisher. nullptr when the key already has one (the
  // caller answers NetStream.Publish.BadName). Order: stream_create (if new),
  // on_start. Waiting players are attached at the first media message.
  std::shared_ptr<Stream> publish(const std::string& key, const std::string& conn_id,
                                  const Emit& on_start);
  // Publisher strand. Order: on_stop, stream_delete (when nobody is left).
  void unpublish(const std::shared_ptr<Stream>& stream, const std::string& conn_id,
                 const Emit& on_stop);

  // Order: stream_create (if new), on_start, subscriber_count.
  std::shared_ptr<Stream> join(const std::string& key, const std::shared_ptr<Subscriber>& sub,
                               const std::string& conn_id, const Emit& on_start);
  // Order: on_stop, subscriber_count, stream_delete (when nobody is left).
  void leave(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Subscriber>& sub,
             const std::string& conn_id, const Emit& on_stop);

  struct Counts {
    size_t streams = 0, publishers = 0, players = 0;
  };
  Counts counts() const;

 private:
  std::shared_ptr<Stream> acquire(const std::string& key, const std::string& conn_id);
  void release_if_empty(const std::shared_ptr<Stream>& stream, const std::string& conn_id);
  void emit(const std::string& conn_id, const std::string& key, events::EventData data);

  events::EventSink& sink_;
  const StreamLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> streams_;
};

}  // namespace rtmp::registry
