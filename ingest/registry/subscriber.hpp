#pragma once
// What the registry needs of a stream consumer: a player session today, a
// recorder or a relay tomorrow. Called from other strands; implementations
// post to their own strand.
//
// How a new consumer takes part (see also player_role.hpp):
//   1. Implement Subscriber in a small object of its own, held by
//      std::shared_ptr (not the owning session or recorder itself: the
//      stream keeps a reference until the publisher's strand drops it, so
//      an owner that is the subscriber would never be destroyed). Reach the
//      owner from callbacks through a weak_ptr and post to its strand.
//   2. Say which events its role emits: start_event() when it joins,
//      stop_event() when its role ends (the data is read at that moment,
//      from this object, which the role keeps alive), and whether it
//      counts as a player in subscriber_count.
//   3. Call StreamRegistry::join(); keep the PlayerRole it returns in the
//      owner. Ending it (end(reason), or destroying the owner) leaves the
//      stream and emits the stop exactly once.
#include <memory>
#include <vector>

#include "ingest/events/event.hpp"
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
  // A publisher took this consumer on: `burst` (never null) comes first, then
  // live messages through link().
  virtual void on_attach(BurstPtr burst) = 0;
  // The publisher left; the consumer stays subscribed and waits for the next
  // (a consumer that lives only as long as one publish ends its role here).
  virtual void on_publisher_gone() = 0;

  // The event its role's start emits (play_start for a player), under the
  // registry's lock, after stream_create and before subscriber_count.
  virtual events::EventData start_event() const = 0;
  // The event its role's end emits (play_stop for a player), exactly once,
  // before subscriber_count and stream_delete. `duration_sec` counts from
  // the join.
  virtual events::EventData stop_event(events::StopReason reason, double duration_sec) const = 0;
  // Players are counted in subscriber_count; a consumer that is not one
  // (a recorder) returns false and joins and leaves without changing it.
  virtual bool counts_as_player() const { return true; }
  // A player starts when it joins. A consumer that really starts later (a
  // relay, once its target accepted the publish) returns false: join() emits
  // no start, and the consumer emits start and stop itself through the
  // role's ConsumerEvents (consumer_events.hpp).
  virtual bool starts_at_join() const { return true; }
};

}  // namespace rtmp::registry
