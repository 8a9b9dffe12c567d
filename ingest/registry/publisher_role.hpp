#pragma once
// The right to publish one stream key, as an owning, move-only handle that
// StreamRegistry::publish hands out. Its end -- end(reason), or destruction
// on any path (an exception, the owner's destruction, shutdown) -- leaves the
// registry and emits publish_stop (with the counts below), then
// stream_delete when nobody is left, exactly once. A handle that holds no
// role (default-constructed, moved from, refused, already ended) emits
// nothing.
//
// Owner's strand only: the counts, stream() and end() are the publisher's
// media path and take no lock.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ingest/events/event.hpp"
#include "ingest/registry/stream.hpp"

namespace rtmp::registry {

class StreamRegistry;

// What publish_stop reports; the owner counts into it as media arrives.
struct PublishStats {
  uint64_t audio_packets = 0;
  uint64_t video_packets = 0;
  uint64_t total_bytes = 0;
  std::string audio_codec;
  std::string video_codec;
};

class PublisherRole {
 public:
  PublisherRole() = default;
  PublisherRole(PublisherRole&& other) noexcept;
  // Ends the role held before (see ~PublisherRole), then takes `other`'s.
  PublisherRole& operator=(PublisherRole&& other) noexcept;
  PublisherRole(const PublisherRole&) = delete;
  PublisherRole& operator=(const PublisherRole&) = delete;
  // Ends a role still held, with StreamRegistry::unowned_end_reason().
  ~PublisherRole();

  explicit operator bool() const { return stream_ != nullptr; }
  // Leaves the stream: publish_stop (reason, counts, duration), players told
  // the publisher is gone, stream_delete when nobody is left. No-op when no
  // role is held.
  void end(events::StopReason reason) noexcept;

  // Only while a role is held.
  Stream& stream() const { return *stream_; }
  const std::string& key() const { return stream_->key(); }
  PublishStats& stats() { return stats_; }
  const PublishStats& stats() const { return stats_; }

 private:
  friend class StreamRegistry;
  PublisherRole(StreamRegistry& registry, std::shared_ptr<Stream> stream, std::string conn_id);
  events::PublishStop stop_event(events::StopReason reason) const;

  StreamRegistry* registry_ = nullptr;
  std::shared_ptr<Stream> stream_;
  std::string conn_id_;
  std::chrono::steady_clock::time_point started_;
  PublishStats stats_;
};

}  // namespace rtmp::registry
