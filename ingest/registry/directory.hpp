#pragma once
// Who is connected in which role, for readers off the media path (the HTTP
// API, periodic stream stats). Sessions list their publish and play here
// through a Listing handle; the figures behind a listing are counters the
// owning strand bumps with relaxed atomics and codec facts it publishes once
// with a release store. A reader copies the entries under the directory's own
// mutex, which no media path takes (listings are added and removed when a
// role starts and ends, beside the registry's lock, never under it).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/events/event.hpp"
#include "ingest/registry/relay_status.hpp"
#include "ingest/registry/subscriber.hpp"

namespace rtmp::registry {

// Bytes one connection read and wrote, bumped on its strand.
struct ConnCounters {
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
};

// What one publish learned of its tracks, readable from any thread.
class PublishCounters {
 public:
  struct Video {
    std::string codec;
    std::optional<uint32_t> width, height;
    std::optional<double> fps;  // declared (metadata or SPS)
  };
  struct Audio {
    std::string codec;
    std::optional<uint32_t> sample_rate, channels;
  };

  // ---- publisher strand ----
  void count(bool video) {
    (video ? video_frames_ : audio_frames_).fetch_add(1, std::memory_order_relaxed);
  }
  // Each track is detected once per publish: the fields are written, then
  // published by the flag; later calls for the same track are ignored.
  void detected(const events::CodecDetected& d);

  // ---- any thread ----
  uint64_t video_frames() const { return video_frames_.load(std::memory_order_relaxed); }
  uint64_t audio_frames() const { return audio_frames_.load(std::memory_order_relaxed); }
  const Video* video() const {
    return video_set_.load(std::memory_order_acquire) ? &video_ : nullptr;
  }
  const Audio* audio() const {
    return audio_set_.load(std::memory_order_acquire) ? &audio_ : nullptr;
  }

 private:
  std::atomic<uint64_t> video_frames_{0}, audio_frames_{0};
  Video video_;
  Audio audio_;
  std::atomic<bool> video_set_{false}, audio_set_{false};
};

class Directory {
 public:
  struct Entry {
    std::string conn_id;
    std::string key;
    std::string remote_addr;
    int64_t since_unix_ms = 0;
    bool publisher = false;
    // Publisher: set when its publish is recorded; the flag turns true when
    // that recording ended before the publish did (a disk error, a full queue).
    std::shared_ptr<const std::atomic<bool>> recording_ended;
    std::shared_ptr<const ConnCounters> conn;                // never null
    std::shared_ptr<const PublishCounters> publish;          // publisher only
    std::shared_ptr<Subscriber> subscriber;                  // player only (its link's drops)
    std::vector<std::shared_ptr<const RelayStatus>> relays;  // publisher: one per target
  };

  // Removes its entry when it ends (reset or destruction), on any path.
  class Listing {
   public:
    Listing() = default;
    Listing(Listing&& o) noexcept
        : dir_(std::exchange(o.dir_, nullptr)), conn_id_(std::move(o.conn_id_)) {}
    Listing& operator=(Listing&& o) noexcept;
    Listing(const Listing&) = delete;
    Listing& operator=(const Listing&) = delete;
    ~Listing() { reset(); }
    void reset() noexcept;

   private:
    friend class Directory;
    Listing(Directory* dir, std::string conn_id) : dir_(dir), conn_id_(std::move(conn_id)) {}
    Directory* dir_ = nullptr;
    std::string conn_id_;
  };

  // One live stream (a key with a publisher) and its players, as copied.
  struct StreamView {
    Entry publisher;
    std::vector<Entry> players;
    uint64_t departed_bytes_out = 0;  // players that left during this publish
    uint64_t departed_dropped = 0;
  };

  [[nodiscard]] Listing add(Entry entry);
  std::vector<StreamView> streams() const;
  std::optional<StreamView> stream(const std::string& key) const;
  // The publisher's conn_id of `key`, if it is live.
  std::optional<std::string> publisher_of(const std::string& key) const;

 private:
  void remove(const std::string& conn_id) noexcept;
  StreamView view_of(const Entry& publisher) const;  // mutex held

  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;                           // by conn_id
  std::map<std::string, std::string> publishers_;                  // key -> conn_id
  std::map<std::string, std::pair<uint64_t, uint64_t>> departed_;  // key -> bytes_out, dropped
};

}  // namespace rtmp::registry
