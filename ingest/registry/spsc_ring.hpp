#pragma once
// Bounded single-producer single-consumer queue: the publisher's strand
// pushes, the player's strand pops; no locks. At most one producer at a time
// (a new publisher takes over only after the old one left, through the
// registry).
//
// Memory follows what is queued, not the bound: the slots live in blocks of
// kBlock, linked as the producer needs them and handed back as the consumer
// empties them. A player that keeps up (a few messages queued per merge
// window) holds two blocks whatever the bound is; one that falls behind holds
// up to capacity / kBlock + 1 of them until it catches up. The bound (the
// slow-player policy's "full") is `capacity` messages either way.
//
// The consumer parks its emptied block in `spare_` for the producer to reuse,
// so a player that keeps up costs no allocation: only a queue deeper than
// before takes a new block (on the producer's side); a block emptied while
// the spare is taken is freed by the consumer.
#include <atomic>
#include <cstddef>

namespace rtmp::registry {

template <typename T>
class SpscRing {
 public:
  static constexpr size_t kBlock = 16;

  explicit SpscRing(size_t capacity) : capacity_(capacity) {
    read_block_ = write_block_ = new Block;
  }
  ~SpscRing() {
    for (Block* b = read_block_; b != nullptr;) {
      Block* next = b->next.load(std::memory_order_relaxed);
      delete b;
      b = next;
    }
    delete spare_.load(std::memory_order_relaxed);
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // head_ and tail_ count every push and pop (they never wrap in practice:
  // 2^64 messages); an item's block slot is its count % kBlock.
  // Producer side. False when full (the value is left untouched).
  bool push(const T& value) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) >= capacity_) return false;
    const size_t i = head % kBlock;
    if (i == 0 && head != 0) {
      // The write block is full: link the spare (or a new block) after it.
      // The consumer is still in an earlier block or at the full one's end;
      // it follows `next` only once the item written below is published.
      Block* b = spare_.exchange(nullptr, std::memory_order_acquire);
      if (b == nullptr) b = new Block;
      write_block_->next.store(b, std::memory_order_release);
      write_block_ = b;
      blocks_.fetch_add(1, std::memory_order_relaxed);
    }
    write_block_->slots[i] = value;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  // Consumer side. False when empty.
  bool pop(T& out) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    const size_t i = tail % kBlock;
    if (i == 0 && tail != 0) {
      // The read block is used up and the item at `tail` is in the next one,
      // which the producer linked before publishing it.
      Block* used = read_block_;
      read_block_ = used->next.load(std::memory_order_acquire);
      used->next.store(nullptr, std::memory_order_relaxed);
      delete spare_.exchange(used, std::memory_order_acq_rel);
      blocks_.fetch_sub(1, std::memory_order_relaxed);
    }
    T& slot = read_block_->slots[i];
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
  // Memory: slots in the blocks holding queued items (the spare not counted).
  size_t slots() const { return blocks_.load(std::memory_order_relaxed) * kBlock; }

 private:
  struct Block {
    T slots[kBlock]{};
    std::atomic<Block*> next{nullptr};
  };

  const size_t capacity_;
  Block* write_block_;  // producer only
  Block* read_block_;   // consumer only (and the destructor)
  std::atomic<Block*> spare_{nullptr};
  std::atomic<size_t> blocks_{1};
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace rtmp::registry
