#pragma once
// One group of event consumers: a PUSH socket bound to its endpoints, and the
// events it could not take yet, oldest first. ZeroMQ spreads one socket's
// messages across its peers, so each group that must see every event (the
// embedded hooks; the external dispatchers together) has a lane of its own.
//
// The buffer holds at most `capacity` events; when it is full the OLDEST one
// leaves it (the emitter writes it to the stdio fallback unless another lane
// took it): fresh events matter more to hooks that catch up, and the old ones
// are on stderr in order. Each seq that leaves a lane that way is announced
// as lost, once, in the `lost` ranges of the next event the lane sends, so
// the dispatcher that gets it reports the gap per ingest.
// Used by the emitter thread only, apart from the counters.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/duration.hpp"

namespace rtmp::events {

class EventLane {
 public:
  struct Item {
    uint64_t seq = 0;
    std::string bytes;  // a serialized rtmphooks::Event
  };
  enum class Offered { kSent, kBuffered, kRefused };

  // Binds every endpoint; throws std::runtime_error naming the one that fails.
  EventLane(zmq::context_t& context, std::string name, const std::vector<std::string>& endpoints,
            int sndhwm, common::Duration linger);

  // Sends the event when nothing waits before it, else buffers it; with
  // `capacity` events already waiting, the oldest leaves into `evicted`.
  // kRefused only when nothing can be buffered (capacity 0) or the socket
  // failed: the caller writes the event to the fallback.
  Offered offer(Item item, int64_t capacity, std::optional<Item>& evicted);
  // Sends buffered events while the socket takes them; `sent` is told each seq.
  void flush(const std::function<void(uint64_t seq)>& sent);
  // Whether buffered events wait for a consumer that cannot take them now.
  bool waiting() const { return blocked_ && !dead_ && !pending_.empty(); }
  zmq::pollitem_t poll_item() { return {socket_.handle(), 0, ZMQ_POLLOUT, 0}; }
  void mark_dead(const char* what, const zmq::error_t& e);

  // At stop: what is still buffered, and the socket closed with ZeroMQ given
  // up to `linger` to deliver what it already holds. close() returns true
  // when ZeroMQ may have discarded some of that (a lane with a context of its
  // own, still flushing when the linger ran out); take_recent() then gives
  // the last events it accepted, which may hold them.
  std::deque<Item> take_pending();
  bool close(std::chrono::milliseconds linger);
  std::deque<Item> take_recent();

  const std::string& name() const { return name_; }
  const std::vector<std::string>& endpoints() const { return endpoints_; }

  std::atomic<uint64_t> sent{0};         // accepted by ZeroMQ
  std::atomic<uint64_t> buffered{0};     // waiting now
  std::atomic<uint64_t> undelivered{0};  // never taken: evicted, refused, or left at stop

 private:
  bool send(const std::string& bytes);
  bool try_send(const std::string& bytes);
  void refresh_blocked();
  void note_lost(uint64_t seq);

  void remember(Item&& item);

  std::string name_;
  std::vector<std::string> endpoints_;
  // Lanes to external dispatchers (no inproc:// endpoint): ZeroMQ's queue
  // for each peer holds up to sndhwm events it accepted and has not yet
  // written to the network, and at stop it discards what it could not
  // deliver within the linger without a word. Such a lane has a context of
  // its own, so that closing it tells whether the linger ran out, and keeps
  // the last 2 x sndhwm events it handed over, for the fallback then.
  std::unique_ptr<zmq::context_t> own_context_;
  zmq::socket_t socket_;
  std::deque<Item> recent_;
  size_t recent_capacity_ = 0;
  std::deque<Item> pending_;
  // Seqs dropped from this lane and not yet announced, as [first, last]
  // ranges. While the lane is blocked they are consecutive, so this stays short.
  std::vector<std::pair<uint64_t, uint64_t>> lost_;
  bool blocked_ = false;  // the last send met EAGAIN
  bool dead_ = false;     // the socket failed; everything goes to the fallback
};

}  // namespace rtmp::events
