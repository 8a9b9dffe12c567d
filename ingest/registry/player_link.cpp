#include "ingest/registry/player_link.hpp"

namespace rtmp::registry {
namespace {
constexpr uint64_t kAudioSkipSpan = 64;
}  // namespace

PlayerLink::PlayerLink(size_t capacity, uint32_t max_skips, std::function<void()> wake)
    : ring_(capacity), max_skips_(max_skips), wake_(std::move(wake)) {}

void PlayerLink::notify() {
  if (idle_.exchange(false)) wake_();
}

void PlayerLink::offer(const MediaPtr& message, bool stream_has_video) {
  if (kicked_.load(std::memory_order_relaxed)) return;
  if (await_keyframe_ && message->video && !message->sequence_header) {
    if (!message->keyframe) return;  // not a drop: the player has not started yet
    await_keyframe_ = false;
  }
  if (skipping_) {
    const bool resume_point = stream_has_video ? (message->video && message->keyframe) : true;
    if (!resume_point) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (ring_.size() > ring_.capacity() / 2) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      // Audio-only streams have no keyframes: every kAudioSkipSpan messages
      // (about 1.5 s of AAC) still this far behind count as one.
      const bool counts = stream_has_video || ++skipped_ % kAudioSkipSpan == 0;
      if (counts && ++skips_ >= max_skips_) {
        kicked_.store(true, std::memory_order_release);
        notify();
      }
      return;
    }
    skipping_ = false;
    skips_ = 0;
  }
  if (!ring_.push(message)) {
    skipping_ = true;
    skips_ = 0;
    skipped_ = 0;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  notify();
}

bool PlayerLink::go_idle() {
  idle_.store(true);
  if (ring_.empty() && !kicked_.load()) return true;
  // Work raced in: take the idle flag back unless the producer already did
  // (then a wake is on its way and we must not run twice).
  return !idle_.exchange(false);
}

}  // namespace rtmp::registry
