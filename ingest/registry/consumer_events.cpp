#include "ingest/registry/consumer_events.hpp"

#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {

ConsumerEvents::ConsumerEvents(StreamRegistry& registry, std::weak_ptr<Subscriber> sub,
                               std::string conn_id, std::string key)
    : registry_(registry),
      sub_(std::move(sub)),
      conn_id_(std::move(conn_id)),
      key_(std::move(key)) {}

double ConsumerEvents::since_start() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
}

bool ConsumerEvents::start() {
  std::lock_guard lock(mutex_);
  if (started_ || ended_) return false;
  auto sub = sub_.lock();
  if (!sub) return false;
  started_ = true;
  started_at_ = std::chrono::steady_clock::now();
  registry_.emit_locked(conn_id_, key_, sub->start_event());
  return true;
}

bool ConsumerEvents::stop(events::StopReason reason) {
  std::lock_guard lock(mutex_);
  if (!started_ || ended_) return false;
  auto sub = sub_.lock();
  if (!sub) return false;
  started_ = false;
  registry_.emit_locked(conn_id_, key_, sub->stop_event(reason, since_start()));
  return true;
}

bool ConsumerEvents::emit(events::EventData data) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  registry_.emit_locked(conn_id_, key_, std::move(data));
  return true;
}

bool ConsumerEvents::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

bool ConsumerEvents::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

}  // namespace rtmp::registry
