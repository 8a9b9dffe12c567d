#pragma once
// A session's queue of pending writes (control bytes, a burst, media handed
// over when a publisher leaves): FIFO over a vector and a head index. Most
// of the time it is empty, and then it holds no memory: std::deque keeps a
// 512-byte node and its map allocated even when empty, which every player
// paid for as long as it played.
#include <cstddef>
#include <utility>
#include <vector>

namespace rtmp::server {

template <typename T>
class OutQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  T& front() { return items_[head_]; }
  void push_back(T&& item) { items_.push_back(std::move(item)); }
  void pop_front() {
    items_[head_++] = T{};
    if (head_ == items_.size()) clear();
  }
  // Drained: the storage goes unless it is a few items (the usual control
  // write), so a burst's or a departed publisher's backlog is not kept.
  void clear() {
    head_ = 0;
    if (items_.capacity() > kKept) {
      items_ = {};
    } else {
      items_.clear();
    }
  }

 private:
  static constexpr size_t kKept = 4;
  std::vector<T> items_;
  size_t head_ = 0;
};

}  // namespace rtmp::server
