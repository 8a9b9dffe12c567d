#pragma once
// The start and stop of a consumer that starts later than it joins: a relay
// joins its stream when the publish starts but starts only once its target
// accepted the publish, and it may stop and start again within one
// membership (each reconnect to its target). Its Subscriber says so with
// starts_at_join() == false; the PlayerRole that join() returns then emits
// no start, and hands this object to the consumer (PlayerRole::events()).
//
// Every event it emits falls within the role: nothing is emitted after the
// role ended, and the role's end emits the stop of a start still open, so
// each start has exactly one stop. Thread-safe: the consumer calls it on its
// own strand while the role's owner may end the role on another.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ingest/events/event.hpp"
#include "ingest/registry/subscriber.hpp"

namespace rtmp::registry {

class StreamRegistry;

class ConsumerEvents {
 public:
  ConsumerEvents(StreamRegistry& registry, std::weak_ptr<Subscriber> sub, std::string conn_id,
                 std::string key);

  // Emits the subscriber's start_event() unless it is started or the role
  // ended. True when emitted.
  bool start();
  // Emits its stop_event(reason, seconds since start()) when started; then
  // it is not started (start() may follow). True when emitted.
  bool stop(events::StopReason reason);
  // Emits `data` (an event of the consumer's own, such as relay_error) unless
  // the role ended. True when emitted.
  bool emit(events::EventData data);
  bool started() const;
  bool ended() const;

 private:
  friend class PlayerRole;
  // The role's end: from now on nothing is emitted. `leave` (the registry's
  // leave, taking the stop of a start still open, if any) runs under this
  // object's lock, so no event of the consumer can follow it.
  template <typename Leave>
  void finish(events::StopReason reason, Leave&& leave) {
    std::lock_guard lock(mutex_);
    ended_ = true;
    std::optional<events::EventData> stop;
    auto sub = sub_.lock();
    if (started_ && sub) stop = sub->stop_event(reason, since_start());
    started_ = false;
    leave(std::move(stop));
  }
  double since_start() const;

  StreamRegistry& registry_;
  std::weak_ptr<Subscriber> sub_;
  const std::string conn_id_;
  const std::string key_;
  mutable std::mutex mutex_;
  bool started_ = false;
  bool ended_ = false;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace rtmp::registry
