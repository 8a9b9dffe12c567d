#include "ingest/registry/player_role.hpp"

#include <utility>

#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {

PlayerRole::PlayerRole(StreamRegistry& registry, std::shared_ptr<Stream> stream,
                       std::shared_ptr<Subscriber> sub, std::string conn_id,
                       std::shared_ptr<ConsumerEvents> events)
    : registry_(&registry),
      stream_(std::move(stream)),
      sub_(std::move(sub)),
      conn_id_(std::move(conn_id)),
      started_(std::chrono::steady_clock::now()),
      events_(std::move(events)) {}

PlayerRole::PlayerRole(PlayerRole&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      stream_(std::move(other.stream_)),
      sub_(std::move(other.sub_)),
      conn_id_(std::move(other.conn_id_)),
      started_(other.started_),
      events_(std::move(other.events_)) {}

PlayerRole& PlayerRole::operator=(PlayerRole&& other) noexcept {
  if (this == &other) return *this;
  if (stream_) end(registry_->unowned_end_reason());
  registry_ = std::exchange(other.registry_, nullptr);
  stream_ = std::move(other.stream_);
  sub_ = std::move(other.sub_);
  conn_id_ = std::move(other.conn_id_);
  started_ = other.started_;
  events_ = std::move(other.events_);
  return *this;
}

PlayerRole::~PlayerRole() {
  if (stream_) end(registry_->unowned_end_reason());
}

void PlayerRole::end(events::StopReason reason) noexcept {
  if (!stream_) return;
  // Taken out first: whatever happens below, the role has ended.
  const std::shared_ptr<Stream> stream = std::move(stream_);
  const std::shared_ptr<Subscriber> sub = std::move(sub_);
  stream_.reset();
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (events_) {
    const std::shared_ptr<ConsumerEvents> later = std::move(events_);
    events_.reset();
    later->finish(reason, [&](std::optional<events::EventData> stop) {
      registry_->leave(stream, sub, conn_id_, std::move(stop));
    });
    return;
  }
  registry_->leave(stream, sub, conn_id_, sub->stop_event(reason, duration));
}

}  // namespace rtmp::registry
