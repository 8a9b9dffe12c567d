#pragma once
// Items handed from any thread to one consumer thread that sleeps on its own
// wake-up (an eventfd, an epoll set): a burst of items costs one wake-up, as
// only the push that finds none pending asks for one; the consumer clears
// that flag before it takes the items, so an item pushed after the take
// always finds it clear.
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

namespace rtmp::dispatcher {

template <typename T>
class Handoff {
 public:
  // Any thread. True when the caller must wake the consumer.
  bool push(T item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    return !wake_pending_.exchange(true);
  }

  // Any thread: the consumer is to stop once it has drained everything. The
  // caller then wakes it.
  void request_stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_pending_.store(true);
  }

  // Consumer: appends what was handed over to `into`; returns whether a stop
  // was asked for.
  bool take(std::vector<T>& into) {
    wake_pending_.store(false);
    std::lock_guard lock(mutex_);
    for (auto& item : items_) into.push_back(std::move(item));
    items_.clear();
    return stopping_;
  }

  bool empty() const {
    std::lock_guard lock(mutex_);
    return items_.empty();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<T> items_;   // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<bool> wake_pending_{false};
};

}  // namespace rtmp::dispatcher
