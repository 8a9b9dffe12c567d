#pragma once
// One stream key: who publishes and plays it, and what a late player needs
// to start at once (metadata, sequence headers, the GOP since the last
// keyframe).
//
// Membership fields are guarded by the registry's mutex (join/leave only).
// The publisher fields are touched only on the current publisher's strand:
// the media path takes no lock.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/registry/media_message.hpp"
#include "ingest/registry/stream_configs.hpp"
#include "ingest/registry/subscriber.hpp"

namespace rtmp::registry {

struct StreamLimits {
  size_t gop_cache_bytes = 32 * 1024 * 1024;  // past this the GOP is not cached
};

class Stream {
 public:
  Stream(std::string key, StreamLimits limits) : key_(std::move(key)), limits_(limits) {}
  const std::string& key() const { return key_; }

  // ---- publisher strand ----
  // Caches and fans `m` out to every attached player.
  void publish_media(const MediaPtr& m);
  // Stream metadata (onMetaData), kept for late players and forwarded.
  bool has_video() const { return has_video_; }

 private:
  friend class StreamRegistry;
  void attach_pending();
  void cache(const MediaPtr& m);
  const BurstPtr& burst();
  void reset_publisher_state();

  const std::string key_;
  const StreamLimits limits_;

  // ---- membership: registry mutex ----
  bool has_publisher_ = false;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;  // waiting or attached
  size_t players_ = 0;                                    // subscribers_ that count as players
  std::vector<std::shared_ptr<Subscriber>> pending_;      // to attach on the publisher strand
  std::atomic<bool> pending_flag_{false};
  std::mutex* mutex_ = nullptr;  // the registry's

  // ---- publisher strand ----
  std::vector<std::shared_ptr<Subscriber>> attached_;
  MediaPtr metadata_;
  StreamConfigs configs_;
  std::vector<MediaPtr> gop_;
  size_t gop_bytes_ = 0;
  bool gop_open_ = false;
  BurstPtr burst_;  // snapshot of the above; null when it changed since
  bool has_video_ = false;
};

}  // namespace rtmp::registry
