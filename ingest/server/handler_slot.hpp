#pragma once
// Memory for a session's recurring asynchronous operations (a player's wake,
// its merge timer, its write): one operation of each kind is outstanding at a
// time, so each gets one reused block instead of a malloc/free per operation.
// Asio's own per-thread cache holds two blocks; with thousands of players
// woken in one publisher iteration it misses on nearly every one.
//
// Use: net::bind_allocator(SlotAllocator<void>(slot), handler). A request the
// block cannot serve (too big, or the block is taken) falls back to
// operator new, so correctness never depends on the one-at-a-time pattern.
#include <atomic>
#include <cstddef>
#include <new>

namespace rtmp::server {

template <size_t Size>
class HandlerSlot {
 public:
  HandlerSlot() = default;
  HandlerSlot(const HandlerSlot&) = delete;
  HandlerSlot& operator=(const HandlerSlot&) = delete;

  void* allocate(size_t size) {
    if (size <= Size && !in_use_.exchange(true, std::memory_order_acquire)) return storage_;
    return ::operator new(size);
  }
  void deallocate(void* p) {
    if (p == storage_) {
      in_use_.store(false, std::memory_order_release);
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[Size];
  std::atomic<bool> in_use_{false};
};

template <typename T, size_t Size>
class SlotAllocator {
 public:
  using value_type = T;
  explicit SlotAllocator(HandlerSlot<Size>& slot) noexcept : slot_(&slot) {}
  template <typename U>
  SlotAllocator(const SlotAllocator<U, Size>& other) noexcept : slot_(other.slot_) {}
  template <typename U>
  struct rebind {
    using other = SlotAllocator<U, Size>;
  };

  T* allocate(size_t n) { return static_cast<T*>(slot_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, size_t) { slot_->deallocate(p); }

  template <typename U>
  bool operator==(const SlotAllocator<U, Size>& other) const noexcept {
    return slot_ == other.slot_;
  }
  template <typename U>
  bool operator!=(const SlotAllocator<U, Size>& other) const noexcept {
    return slot_ != other.slot_;
  }

 private:
  template <typename, size_t>
  friend class SlotAllocator;
  HandlerSlot<Size>* slot_;
};

}  // namespace rtmp::server
