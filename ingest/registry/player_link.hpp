#pragma once
// The channel from a stream's publisher to one player: a bounded lock-free
// queue of shared messages plus the slow-player policy.
//
// Policy when the queue is full: the player skips ahead: everything is dropped
// until the next video keyframe (any message for an audio-only stream) finds
// the queue at most half full; then delivery resumes there. A player still
// that far behind at `max_skips` keyframes in a row (for audio-only streams,
// `max_skips` spans of 64 messages) is kicked (disconnected).
#include <atomic>
#include <cstdint>
#include <functional>

#include "ingest/registry/media_message.hpp"
#include "ingest/registry/spsc_ring.hpp"

namespace rtmp::registry {

class PlayerLink {
 public:
  // `wake` is called from the producer when the consumer went idle and new
  // work (a message or a kick) arrived; it must post to the player's strand.
  PlayerLink(size_t capacity, uint32_t max_skips, std::function<void()> wake);

  // ---- producer (the publisher's strand) ----
  void offer(const MediaPtr& message, bool stream_has_video);
  // Marks the consumer busy before a burst is posted to it (see Subscriber).
  void mark_busy() { idle_.store(false); }
  // The player joined without a cached GOP (none yet, the publisher not
  // started, or one too large to keep): its video starts at the next
  // keyframe, since frames before it cannot be decoded. Audio goes on
  // meanwhile.
  void start_at_keyframe() { await_keyframe_ = true; }

  // ---- consumer (the player's strand) ----
  bool pop(MediaPtr& out) { return ring_.pop(out); }
  // Declares the consumer idle. Returns false when work arrived meanwhile:
  // the caller must keep draining instead of waiting for a wake.
  bool go_idle();
  bool kicked() const { return kicked_.load(std::memory_order_acquire); }

  // ---- either side ----
  void close() { closed_.store(true, std::memory_order_release); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t queued() const { return ring_.size(); }

 private:
  void notify();

  SpscRing<MediaPtr> ring_;
  const uint32_t max_skips_;
  std::function<void()> wake_;
  std::atomic<bool> idle_{false};
  std::atomic<bool> kicked_{false};
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> dropped_{0};
  // Producer-only state.
  bool skipping_ = false;
  bool await_keyframe_ = false;
  uint32_t skips_ = 0;
  uint64_t skipped_ = 0;  // messages dropped in this skip (audio-only streams)
};

}  // namespace rtmp::registry
