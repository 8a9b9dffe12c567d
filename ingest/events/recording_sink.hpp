#pragma once
// A test fake of EventSink: records every event, lets a test wait for them.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/events/event.hpp"

namespace rtmp::events {

class RecordingSink final : public EventSink {
 public:
  void emit(Event event) noexcept override {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }

  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

  // The names of the events so far, in emission order.
  std::vector<std::string> names() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.reserve(events_.size());
    for (const Event& e : events_) out.emplace_back(event_name(e.data));
    return out;
  }

  // The names of one connection's events, in emission order.
  std::vector<std::string> names_for(const std::string& conn_id) const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const Event& e : events_) {
      if (e.conn_id == conn_id) out.emplace_back(event_name(e.data));
    }
    return out;
  }

  // Waits until at least `count` events were recorded; false at the timeout.
  bool wait_for_count(size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= count; });
  }

  // Waits until an event named `name` was recorded; false at the timeout.
  bool wait_for_event(const std::string& name, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const Event& e : events_) {
        if (name == event_name(e.data)) return true;
      }
      return false;
    });
  }

  void clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Event> events_;
};

}  // namespace rtmp::events
