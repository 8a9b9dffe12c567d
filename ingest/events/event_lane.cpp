#include "ingest/events/event_lane.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/tsan.hpp"

namespace rtmp::events {

EventLane::EventLane(zmq::context_t& context, std::string name,
                     const std::vector<std::string>& endpoints, int sndhwm, common::Duration linger)
    : name_(std::move(name)), socket_(context, zmq::socket_type::push) {
  socket_.set(zmq::sockopt::sndhwm, sndhwm);
  socket_.set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  for (const std::string& endpoint : endpoints) {
    try {
      socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("events: cannot bind " + endpoint + ": " + e.what());
    }
    endpoints_.push_back(socket_.get(zmq::sockopt::last_endpoint));
  }
}

bool EventLane::offer(std::string bytes, int64_t capacity) {
  if (!blocked_ && !dead_ && pending_.empty() && try_send(bytes)) {
    sent.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (pending_.size() < static_cast<size_t>(std::max<int64_t>(capacity, 0))) {
    pending_.push_back(std::move(bytes));
    buffered.store(pending_.size(), std::memory_order_relaxed);
    return true;
  }
  undelivered.fetch_add(1, std::memory_order_relaxed);
  return false;
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

void EventLane::flush() {
  refresh_blocked();
  while (!blocked_ && !dead_ && !pending_.empty() && try_send(pending_.front())) {
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

std::deque<std::string> EventLane::take_pending() {
  std::deque<std::string> out;
  out.swap(pending_);
  undelivered.fetch_add(out.size(), std::memory_order_relaxed);
  buffered.store(0, std::memory_order_relaxed);
  return out;
}

void EventLane::close(std::chrono::milliseconds linger) {
  try {
    socket_.set(zmq::sockopt::linger, static_cast<int>(std::max<int64_t>(linger.count(), 0)));
  } catch (const zmq::error_t&) {
  }
  socket_.close();
}

}  // namespace rtmp::events
