#include "ingest/events/event_lane.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "common/host_port.hpp"
#include "common/tsan.hpp"
#include "events.pb.h"

namespace rtmp::events {

namespace {

// inproc:// peers must share the socket's context.
bool any_inproc(const std::vector<std::string>& endpoints) {
  return std::any_of(endpoints.begin(), endpoints.end(),
                     [](const std::string& e) { return e.starts_with("inproc://"); });
}

}  // namespace

EventLane::EventLane(zmq::context_t& context, std::string name,
                     const std::vector<std::string>& endpoints, int sndhwm, common::Duration linger)
    : name_(std::move(name)),
      own_context_(any_inproc(endpoints) ? nullptr : std::make_unique<zmq::context_t>(1)),
      socket_(own_context_ ? *own_context_ : context, zmq::socket_type::push),
      recent_capacity_(own_context_ ? 2 * static_cast<size_t>(std::max(sndhwm, 0)) : 0) {
  socket_.set(zmq::sockopt::sndhwm, sndhwm);
  if (common::has_ipv6_literal(endpoints)) socket_.set(zmq::sockopt::ipv6, 1);
  socket_.set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  for (const std::string& endpoint : endpoints) {
    // A second bind of the same endpoint would say "Address already in use",
    // as if another program held it.
    if (std::count(endpoints.begin(), endpoints.end(), endpoint) > 1)
      throw std::runtime_error("events: " + endpoint + " is given twice in -events-bind");
    try {
      socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
      // A host name ("tcp://localhost:5556") is no interface ZeroMQ knows:
      // bind its IPv4 address instead.
      const std::string by_address =
          e.num() == ENODEV ? common::zmq_bind_by_address(endpoint) : std::string();
      if (by_address.empty())
        throw std::runtime_error(
            "events: cannot bind " + endpoint + ": " + e.what() +
            (e.num() == ENODEV ? " (neither an address, an interface nor a host name that resolves)"
                               : ""));
      try {
        socket_.bind(by_address);
      } catch (const zmq::error_t& again) {
        throw std::runtime_error("events: cannot bind " + endpoint + " (" + by_address +
                                 "): " + again.what());
      }
    }
    endpoints_.push_back(socket_.get(zmq::sockopt::last_endpoint));
  }
}

EventLane::Offered EventLane::offer(Item item, int64_t capacity, std::optional<Item>& evicted) {
  if (!blocked_ && !dead_ && pending_.empty() && send(item.bytes)) {
    sent.fetch_add(1, std::memory_order_relaxed);
    remember(std::move(item));
    return Offered::kSent;
  }
  const auto room = static_cast<size_t>(std::max<int64_t>(capacity, 0));
  if (dead_ || room == 0) {
    undelivered.fetch_add(1, std::memory_order_relaxed);
    note_lost(item.seq);
    return Offered::kRefused;
  }
  if (pending_.size() >= room) {
    evicted = std::move(pending_.front());
    pending_.pop_front();
    undelivered.fetch_add(1, std::memory_order_relaxed);
    note_lost(evicted->seq);
  }
  pending_.push_back(std::move(item));
  buffered.store(pending_.size(), std::memory_order_relaxed);
  return Offered::kBuffered;
}

void EventLane::note_lost(uint64_t seq) {
  if (!lost_.empty() && lost_.back().second + 1 == seq) {
    lost_.back().second = seq;
  } else {
    lost_.emplace_back(seq, seq);
  }
}

// Carries the lost ranges not yet announced on this message; they are
// forgotten once ZeroMQ took it.
bool EventLane::send(const std::string& bytes) {
  if (lost_.empty()) return try_send(bytes);
  rtmphooks::Event event;
  if (!event.ParseFromString(bytes)) return try_send(bytes);
  for (const auto& [first, last] : lost_) {
    rtmphooks::SeqRange* range = event.add_lost();
    range->set_first(first);
    range->set_last(last);
  }
  if (!try_send(event.SerializeAsString())) return false;
  lost_.clear();
  return true;
}

bool EventLane::try_send(const std::string& bytes) {
  try {
    zmq::message_t message(bytes.data(), bytes.size());
    common::tsan_release(message.data());  // inproc: the dispatcher reads this very buffer
    if (socket_.send(message, zmq::send_flags::dontwait)) return true;
    blocked_ = true;
  } catch (const zmq::error_t& e) {
    mark_dead("send", e);
  }
  return false;
}

void EventLane::refresh_blocked() {
  if (!blocked_ || dead_) return;
  try {
    if (socket_.get(zmq::sockopt::events) & ZMQ_POLLOUT) blocked_ = false;
  } catch (const zmq::error_t& e) {
    mark_dead("socket", e);
  }
}

void EventLane::flush(const std::function<void(uint64_t seq)>& on_sent) {
  refresh_blocked();
  while (!blocked_ && !dead_ && !pending_.empty() && send(pending_.front().bytes)) {
    on_sent(pending_.front().seq);
    remember(std::move(pending_.front()));
    pending_.pop_front();
    sent.fetch_add(1, std::memory_order_relaxed);
  }
  buffered.store(pending_.size(), std::memory_order_relaxed);
}

void EventLane::mark_dead(const char* what, const zmq::error_t& e) {
  spdlog::error(
      "events: ZeroMQ {} failed for the {} ({}); its events now go to the stdio "
      "fallback",
      what, name_, e.what());
  dead_ = blocked_ = true;
}

std::deque<EventLane::Item> EventLane::take_pending() {
  std::deque<Item> out;
  out.swap(pending_);
  undelivered.fetch_add(out.size(), std::memory_order_relaxed);
  buffered.store(0, std::memory_order_relaxed);
  return out;
}

void EventLane::remember(Item&& item) {
  if (recent_capacity_ == 0) return;
  if (recent_.size() == recent_capacity_) recent_.pop_front();
  recent_.push_back(std::move(item));
}

std::deque<EventLane::Item> EventLane::take_recent() {
  std::deque<Item> out;
  out.swap(recent_);
  return out;
}

bool EventLane::close(std::chrono::milliseconds linger) {
  linger = std::max(linger, std::chrono::milliseconds(0));
  try {
    socket_.set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  } catch (const zmq::error_t&) {
  }
  // The clock starts before the close: ZeroMQ's linger runs from there, and
  // this thread may be descheduled between the two.
  const auto start = std::chrono::steady_clock::now();
  socket_.close();
  if (!own_context_) return false;
  // Terminating the context waits until ZeroMQ has written out what it holds,
  // or until the linger runs out and it discards the rest.
  own_context_->close();
  const auto took = std::chrono::steady_clock::now() - start;
  return took >= linger - std::chrono::milliseconds(10);
}

}  // namespace rtmp::events
