#pragma once
// The codec configurations (sequence headers) a consumer joining a stream late
// needs before any frame: one per media type for track 0, and one per media
// type and track for the other tracks of an Enhanced RTMP multitrack stream.
// Kept by the stream for late players and by each relay for its target's
// reconnects. Not thread-safe: one owner's strand.
#include <vector>

#include "ingest/registry/media_message.hpp"

namespace rtmp::registry {

class StreamConfigs {
 public:
  // `m` is a sequence header: it replaces the one of its media type and track.
  void keep(const MediaPtr& m);
  // `m` is a coded frame: a kept header of its media type and track for
  // another codec is dropped. A publisher that switches to a codec without
  // sequence headers (AAC to MP3, AVC to H.263) would otherwise hand late
  // players the old codec's header before frames it does not describe.
  void forget_other_codec(const MediaMessage& m);
  void clear();
  // Appends them: track 0's video, then audio, then the other tracks'.
  void append_to(std::vector<MediaPtr>& out) const;
  size_t size() const { return (video_ ? 1 : 0) + (audio_ ? 1 : 0) + tracks_.size(); }

 private:
  MediaPtr video_, audio_;
  std::vector<MediaPtr> tracks_;
};

}  // namespace rtmp::registry
