#include "ingest/registry/stream_configs.hpp"

namespace rtmp::registry {

void StreamConfigs::keep(const MediaPtr& m) {
  if (m->track == 0) {
    (m->video ? video_ : audio_) = m;
    return;
  }
  for (MediaPtr& kept : tracks_) {
    if (kept->video == m->video && kept->track == m->track) {
      kept = m;
      return;
    }
  }
  tracks_.push_back(m);
}

void StreamConfigs::clear() {
  video_.reset();
  audio_.reset();
  tracks_.clear();
}

void StreamConfigs::append_to(std::vector<MediaPtr>& out) const {
  if (video_) out.push_back(video_);
  if (audio_) out.push_back(audio_);
  out.insert(out.end(), tracks_.begin(), tracks_.end());
}

}  // namespace rtmp::registry
