#pragma once
// Bounded single-producer single-consumer ring: the publisher's strand pushes,
// the player's strand pops; no locks. At most one producer at a time (a new
// publisher takes over only after the old one left, through the registry).
#include <atomic>
#include <cstddef>
#include <vector>

namespace rtmp::registry {

template <typename T>
class SpscRing {
 public:
  explicit SpscRing(size_t capacity)
      : slots_(round_up(capacity + 1)), mask_(slots_.size() - 1), capacity_(capacity) {}

  // Producer side. False when full (the value is left untouched).
  bool push(const T& value) {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t next = (head + 1) & mask_;
    if (((head - tail_.load(std::memory_order_acquire)) & mask_) >= capacity_) return false;
    slots_[head] = value;
    head_.store(next, std::memory_order_release);
    return true;
  }
  // Consumer side. False when empty.
  bool pop(T& out) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    out = std::move(slots_[tail]);
    slots_[tail] = T{};
    tail_.store((tail + 1) & mask_, std::memory_order_release);
    return true;
  }
  bool empty() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }
  size_t size() const {
    return (head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire)) & mask_;
  }
  size_t capacity() const { return capacity_; }

 private:
  static size_t round_up(size_t n) {
    size_t p = 2;
    while (p < n) p <<= 1;
    return p;
  }
  std::vector<T> slots_;
  size_t mask_;
  size_t capacity_;  // exactly what was asked; the slot array is a power of two
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace rtmp::registry
