// HandlerSlot / SlotAllocator: one reused block, operator new beyond it, and
// Asio operations really allocating from it.
#include "ingest/server/handler_slot.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>

namespace rtmp::server {
namespace {

namespace net = boost::asio;

TEST(HandlerSlot, ReusesOneBlockAndFallsBackWhileItIsTaken) {
  HandlerSlot<64> slot;
  void* a = slot.allocate(48);
  void* b = slot.allocate(48);  // block taken: from the heap
  EXPECT_NE(a, b);
  slot.deallocate(b);
  slot.deallocate(a);
  void* c = slot.allocate(64);  // block free again: the same one
  EXPECT_EQ(a, c);
  slot.deallocate(c);
}

TEST(HandlerSlot, TooLargeGoesToTheHeapAndLeavesTheBlockFree) {
  HandlerSlot<32> slot;
  void* first = slot.allocate(16);
  slot.deallocate(first);
  void* big = slot.allocate(33);
  EXPECT_NE(big, first);
  void* small = slot.allocate(8);
  EXPECT_EQ(small, first);
  slot.deallocate(big);
  slot.deallocate(small);
}

TEST(HandlerSlot, BlockIsAlignedForAnyScalar) {
  HandlerSlot<128> slot;
  void* p = slot.allocate(8);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u);
  slot.deallocate(p);
}

TEST(SlotAllocator, AsioPostThroughAStrandUsesTheBlockEveryTime) {
  net::io_context ioc(1);
  auto strand = net::make_strand(ioc);
  HandlerSlot<256> slot;
  void* block = slot.allocate(1);
  slot.deallocate(block);
  // Posts one at a time, as a player's wakes are: each handler runs before
  // the next post, so each post must take the block, never the heap.
  int runs = 0;
  for (int i = 0; i < 100; ++i) {
    net::post(strand, net::bind_allocator(SlotAllocator<void, 256>(slot), [&] { ++runs; }));
    // While queued the block is taken: a second allocation must not get it.
    void* other = slot.allocate(1);
    EXPECT_NE(other, block) << "post " << i << " did not allocate from the slot";
    slot.deallocate(other);
    ioc.restart();
    ioc.run();
  }
  EXPECT_EQ(runs, 100);
  void* after = slot.allocate(1);
  EXPECT_EQ(after, block) << "the block was not given back";
  slot.deallocate(after);
}

}  // namespace
}  // namespace rtmp::server
