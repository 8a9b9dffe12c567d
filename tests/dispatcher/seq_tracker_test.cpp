#include "dispatcher/seq_tracker.hpp"

#include <gtest/gtest.h>

namespace rtmp::dispatcher {
namespace {

TEST(SeqTracker, ConsecutiveSeqsHaveNoGap) {
  SeqTracker t;
  EXPECT_TRUE(t.observe("a", 1).first);
  for (uint64_t s = 2; s < 100; ++s) {
    auto r = t.observe("a", s);
    EXPECT_EQ(r.missing, 0u);
    EXPECT_FALSE(r.out_of_order);
    EXPECT_FALSE(r.first);
  }
}

TEST(SeqTracker, CountsMissingEvents) {
  SeqTracker t;
  t.observe("a", 1);
  EXPECT_EQ(t.observe("a", 2).missing, 0u);
  EXPECT_EQ(t.observe("a", 6).missing, 3u);
  EXPECT_EQ(t.observe("a", 7).missing, 0u);
}

TEST(SeqTracker, FirstEventAbove1CountsTheUnseenOnes) {
  SeqTracker t;
  auto r = t.observe("a", 500);
  EXPECT_TRUE(r.first);
  EXPECT_EQ(r.missing, 499u);
  EXPECT_EQ(t.observe("a", 501).missing, 0u);
  EXPECT_EQ(t.observe("b", 1).missing, 0u);
}

TEST(SeqTracker, IngestsAreTrackedApart) {
  SeqTracker t;
  t.observe("a", 1);
  t.observe("b", 1);
  EXPECT_EQ(t.observe("a", 2).missing, 0u);
  EXPECT_EQ(t.observe("b", 4).missing, 2u);
}

TEST(SeqTracker, RepeatOrOlderSeqIsOutOfOrder) {
  SeqTracker t;
  t.observe("a", 5);
  EXPECT_TRUE(t.observe("a", 5).out_of_order);
  EXPECT_TRUE(t.observe("a", 3).out_of_order);
  EXPECT_EQ(t.observe("a", 6).missing, 0u);
}

}  // namespace
}  // namespace rtmp::dispatcher
