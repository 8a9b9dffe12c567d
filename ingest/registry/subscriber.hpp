#pragma once
// What the registry needs of a player session. Called from other strands;
// implementations post to their own strand.
#include <memory>
#include <vector>

#include "ingest/registry/media_message.hpp"
#include "ingest/registry/player_link.hpp"

namespace rtmp::registry {

// What a player gets first when a publisher takes it on: metadata, sequence
// headers, then the current GOP from its keyframe. One immutable snapshot is
// shared by every player attached while it is current (the stream builds it
// at most once per message it caches), so a mass join copies nothing per
// player.
struct Burst {
  std::vector<MediaPtr> messages;
  // messages[0, head): metadata, sequence headers and the GOP's keyframe --
  // all a player needs to show a first frame; the rest of the GOP follows.
  size_t head = 0;
};
using BurstPtr = std::shared_ptr<const Burst>;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual PlayerLink& link() = 0;
  // A publisher took this player on: `burst` (never null) comes first, then
  // live messages through link().
  virtual void on_attach(BurstPtr burst) = 0;
  // The publisher left; the player stays subscribed and waits for the next.
  virtual void on_publisher_gone() = 0;
};

}  // namespace rtmp::registry
