#pragma once
// What the registry needs of a player session. Called from other strands;
// implementations post to their own strand.
#include <memory>
#include <vector>

#include "ingest/registry/media_message.hpp"
#include "ingest/registry/player_link.hpp"

namespace rtmp::registry {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual PlayerLink& link() = 0;
  // A publisher took this player on: `burst` (metadata, sequence headers, the
  // current GOP) comes first, then live messages through link().
  virtual void on_attach(std::vector<MediaPtr> burst) = 0;
  // The publisher left; the player stays subscribed and waits for the next.
  virtual void on_publisher_gone() = 0;
};

}  // namespace rtmp::registry
