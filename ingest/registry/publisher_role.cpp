#include "ingest/registry/publisher_role.hpp"

#include <utility>

#include "ingest/registry/stream_registry.hpp"

namespace rtmp::registry {

PublisherRole::PublisherRole(StreamRegistry& registry, std::shared_ptr<Stream> stream,
                             std::string conn_id)
    : registry_(&registry),
      stream_(std::move(stream)),
      conn_id_(std::move(conn_id)),
      started_(std::chrono::steady_clock::now()) {}

PublisherRole::PublisherRole(PublisherRole&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      stream_(std::move(other.stream_)),
      conn_id_(std::move(other.conn_id_)),
      started_(other.started_),
      stats_(std::move(other.stats_)) {}

PublisherRole& PublisherRole::operator=(PublisherRole&& other) noexcept {
  if (this == &other) return *this;
  if (stream_) end(registry_->unowned_end_reason());
  registry_ = std::exchange(other.registry_, nullptr);
  stream_ = std::move(other.stream_);
  conn_id_ = std::move(other.conn_id_);
  started_ = other.started_;
  stats_ = std::move(other.stats_);
  return *this;
}

PublisherRole::~PublisherRole() {
  if (stream_) end(registry_->unowned_end_reason());
}

events::PublishStop PublisherRole::stop_event(events::StopReason reason) const {
  events::PublishStop s;
  s.audio_packets = stats_.audio_packets;
  s.video_packets = stats_.video_packets;
  s.total_bytes = stats_.total_bytes;
  s.audio_codec = stats_.audio_codec;
  s.video_codec = stats_.video_codec;
  s.duration_sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  s.reason = events::stop_reason_name(reason);
  return s;
}

void PublisherRole::end(events::StopReason reason) noexcept {
  if (!stream_) return;
  // Taken out first: whatever happens below, the role has ended.
  const std::shared_ptr<Stream> stream = std::move(stream_);
  stream_.reset();
  registry_->unpublish(stream, conn_id_, stop_event(reason));
}

}  // namespace rtmp::registry
