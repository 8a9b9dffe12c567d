#include "ingest/registry/stream_registry.hpp"

#include <algorithm>

namespace rtmp::registry {

void StreamRegistry::emit(const std::string& conn_id, const std::string& key,
                          events::EventData data) {
  sink_.emit(events::Event{conn_id, key, std::move(data), 0});
}

events::StopReason StreamRegistry::unowned_end_reason() const {
  return shutting_down_.load(std::memory_order_relaxed) ? events::StopReason::kShutdown
                                                        : events::StopReason::kError;
}

std::shared_ptr<Stream> StreamRegistry::acquire(const std::string& key,
                                                const std::string& conn_id) {
  auto& slot = streams_[key];
  if (!slot) {
    slot = std::make_shared<Stream>(key, limits_);
    slot->mutex_ = &mutex_;
    emit(conn_id, key, events::StreamCreate{});
  }
  return slot;
}

void StreamRegistry::release_if_empty(const std::shared_ptr<Stream>& stream,
                                      const std::string& conn_id) {
  if (stream->has_publisher_ || !stream->subscribers_.empty()) return;
  auto it = streams_.find(stream->key());
  if (it == streams_.end() || it->second != stream) return;
  streams_.erase(it);
  emit(conn_id, stream->key(), events::StreamDelete{});
}

PublisherRole StreamRegistry::publish(const std::string& key, const std::string& conn_id,
                                      events::PublishStart start) {
  std::lock_guard lock(mutex_);
  auto found = streams_.find(key);
  if (found != streams_.end() && found->second->has_publisher_) return {};
  auto stream = acquire(key, conn_id);
  stream->has_publisher_ = true;
  stream->pending_ = stream->subscribers_;
  stream->pending_flag_.store(!stream->pending_.empty(), std::memory_order_release);
  emit(conn_id, key, std::move(start));
  return PublisherRole(*this, std::move(stream), conn_id);
}

void StreamRegistry::unpublish(const std::shared_ptr<Stream>& stream, const std::string& conn_id,
                               events::PublishStop stop) {
  std::lock_guard lock(mutex_);
  stream->has_publisher_ = false;
  stream->pending_.clear();
  stream->pending_flag_.store(false, std::memory_order_release);
  stream->reset_publisher_state();
  emit(conn_id, stream->key(), std::move(stop));
  for (const auto& sub : stream->subscribers_) sub->on_publisher_gone();
  release_if_empty(stream, conn_id);
}

PlayerRole StreamRegistry::join(const std::string& key, std::shared_ptr<Subscriber> sub,
                                const std::string& conn_id) {
  std::lock_guard lock(mutex_);
  auto stream = acquire(key, conn_id);
  stream->subscribers_.push_back(sub);
  if (stream->has_publisher_) {
    stream->pending_.push_back(sub);
    stream->pending_flag_.store(true, std::memory_order_release);
  }
  std::shared_ptr<ConsumerEvents> later;
  if (sub->starts_at_join()) {
    emit(conn_id, key, sub->start_event());
  } else {
    later = std::make_shared<ConsumerEvents>(*this, sub, conn_id, key);
  }
  if (sub->counts_as_player()) {
    ++stream->players_;
    emit(conn_id, key, events::SubscriberCount{static_cast<uint32_t>(stream->players_)});
  }
  return PlayerRole(*this, std::move(stream), std::move(sub), conn_id, std::move(later));
}

void StreamRegistry::leave(const std::shared_ptr<Stream>& stream,
                           const std::shared_ptr<Subscriber>& sub, const std::string& conn_id,
                           std::optional<events::EventData> stop) {
  std::lock_guard lock(mutex_);
  sub->link().close();  // the publisher strand drops it at its next message
  std::erase(stream->subscribers_, sub);
  std::erase(stream->pending_, sub);
  if (stop) emit(conn_id, stream->key(), std::move(*stop));
  if (sub->counts_as_player()) {
    --stream->players_;
    emit(conn_id, stream->key(), events::SubscriberCount{static_cast<uint32_t>(stream->players_)});
  }
  release_if_empty(stream, conn_id);
}

void StreamRegistry::emit_locked(const std::string& conn_id, const std::string& key,
                                 events::EventData data) {
  std::lock_guard lock(mutex_);
  emit(conn_id, key, std::move(data));
}

StreamRegistry::Counts StreamRegistry::counts() const {
  std::lock_guard lock(mutex_);
  Counts c;
  c.streams = streams_.size();
  for (const auto& [key, s] : streams_) {
    c.publishers += s->has_publisher_ ? 1 : 0;
    c.players += s->players_;
  }
  return c;
}

}  // namespace rtmp::registry
