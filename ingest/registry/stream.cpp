#include "ingest/registry/stream.hpp"

#include <algorithm>

namespace rtmp::registry {

void Stream::publish_media(const MediaPtr& m) {
  if (pending_flag_.load(std::memory_order_acquire)) attach_pending();
  cache(m);
  const bool video = has_video_;
  bool closed_any = false;
  for (const auto& sub : attached_) {
    PlayerLink& link = sub->link();
    if (link.closed()) {
      closed_any = true;
      continue;
    }
    link.offer(m, video);
  }
  if (closed_any) {
    std::erase_if(attached_, [](const auto& s) { return s->link().closed(); });
  }
}

void Stream::attach_pending() {
  std::vector<std::shared_ptr<Subscriber>> joining;
  {
    std::lock_guard lock(*mutex_);
    joining.swap(pending_);
    pending_flag_.store(false, std::memory_order_release);
  }
  for (auto& sub : joining) {
    if (sub->link().closed()) continue;
    sub->link().mark_busy();
    // Without a cached GOP (no keyframe yet, also for a player that waited
    // for this publisher, or one too large to keep) video starts at the
    // next keyframe. Audio-only streams are unaffected: audio never waits.
    if (gop_.empty()) sub->link().start_at_keyframe();
    sub->on_attach(burst());
    attached_.push_back(std::move(sub));
  }
}

void Stream::cache(const MediaPtr& m) {
  if (!m->video && !m->audio) {
    // For data messages, sequence_header marks onMetaData: the stream's
    // description, which a late player needs first. Others pass through.
    if (m->sequence_header) {
      metadata_ = m;
      burst_.reset();
    }
    return;
  }
  burst_.reset();  // every audio/video message changes the configs or the GOP
  if (m->sequence_header) {
    configs_.keep(m);
    if (m->video) has_video_ = true;
    return;
  }
  if (m->video) has_video_ = true;
  configs_.forget_other_codec(*m);
  if (m->video && m->keyframe) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_open_ = true;
  }
  if (!gop_open_) return;
  gop_bytes_ += m->payload.size();
  if (gop_bytes_ > limits_.gop_cache_bytes) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_open_ = false;  // too long to keep; start again at the next keyframe
    return;
  }
  gop_.push_back(m);
}

const BurstPtr& Stream::burst() {
  if (burst_) return burst_;
  auto b = std::make_shared<Burst>();
  b->messages.reserve(gop_.size() + 1 + configs_.size());
  if (metadata_) b->messages.push_back(metadata_);
  configs_.append_to(b->messages);
  // The GOP starts at its keyframe (cache() keeps nothing before one).
  b->head = b->messages.size() + (gop_.empty() ? 0 : 1);
  b->messages.insert(b->messages.end(), gop_.begin(), gop_.end());
  burst_ = std::move(b);
  return burst_;
}

void Stream::reset_publisher_state() {
  attached_.clear();
  metadata_.reset();
  configs_.clear();
  gop_.clear();
  gop_bytes_ = 0;
  gop_open_ = false;
  has_video_ = false;
  burst_.reset();
}

}  // namespace rtmp::registry
