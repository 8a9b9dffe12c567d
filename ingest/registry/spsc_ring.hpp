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
      : slots_(round_up(capacity)), mask_(slots_.size() - 1), capacity_(capacity) {}

  // head_ and tail_ count every push and pop (they never wrap in practice:
  // 2^64 messages); a slot is counter & mask_, so a power-of-two capacity
  // uses exactly that many slots (no spare slot to tell full from empty).
  // Producer side. False when full (the value is left untouched).
  bool push(const T& value) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) >= capacity_) return false;
    slots_[head & mask_] = value;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  // Consumer side. False when empty.
  bool pop(T& out) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    T& slot = slots_[tail & mask_];
    out = std::move(slot);
    slot = T{};
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool empty() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }
  size_t size() const {
    const size_t tail = tail_.load(std::memory_order_acquire);
    return head_.load(std::memory_order_acquire) - tail;
  }
  size_t capacity() const { return capacity_; }
  size_t slots() const { return slots_.size(); }  // memory: capacity rounded up to a power of two

 private:
  static size_t round_up(size_t n) {
    size_t p = 1;
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
