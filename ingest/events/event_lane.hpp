#pragma once
// One group of event consumers: a PUSH socket bound to its endpoints, and the
// events it could not take yet, oldest first. ZeroMQ spreads one socket's
// messages across its peers, so each group that must see every event (the
// embedded hooks; the external dispatchers together) has a lane of its own.
// Used by the emitter thread only, apart from the counters.
#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/duration.hpp"

namespace rtmp::events {

class EventLane {
 public:
  // Binds every endpoint; throws std::runtime_error naming the one that fails.
  EventLane(zmq::context_t& context, std::string name, const std::vector<std::string>& endpoints,
            int sndhwm, common::Duration linger);

  // Sends `bytes` when nothing waits before it, else buffers it while fewer
  // than `capacity` wait. False when the buffer is full: the caller writes the
  // event to the fallback.
  bool offer(std::string bytes, int64_t capacity);
  // Sends buffered events while the socket takes them.
  void flush();
  // Whether buffered events wait for a consumer that cannot take them now.
  bool waiting() const { return blocked_ && !dead_ && !pending_.empty(); }
  zmq::pollitem_t poll_item() { return {socket_.handle(), 0, ZMQ_POLLOUT, 0}; }
  void mark_dead(const char* what, const zmq::error_t& e);

  // At stop: what is still buffered, and the socket closed with ZeroMQ given
  // up to `linger` to deliver what it already holds.
  std::deque<std::string> take_pending();
  void close(std::chrono::milliseconds linger);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& endpoints() const { return endpoints_; }

  std::atomic<uint64_t> sent{0};         // accepted by ZeroMQ
  std::atomic<uint64_t> buffered{0};     // waiting now
  std::atomic<uint64_t> undelivered{0};  // never taken: buffer full, or left at stop

 private:
  bool try_send(const std::string& bytes);
  void refresh_blocked();

  std::string name_;
  std::vector<std::string> endpoints_;
  zmq::socket_t socket_;
  std::deque<std::string> pending_;
  bool blocked_ = false;  // the last send met EAGAIN
  bool dead_ = false;     // the socket failed; everything goes to the fallback
};

}  // namespace rtmp::events
