#include "dispatcher/retry_after.hpp"

#include <gtest/gtest.h>

namespace rtmp::dispatcher {
namespace {

using std::chrono::seconds;

constexpr seconds kCap{86400};
constexpr std::time_t kNow = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", kNow, kCap), seconds(120));
  EXPECT_EQ(parse_retry_after(" 7 ", kNow, kCap), seconds(7));
  EXPECT_EQ(parse_retry_after("0", kNow, kCap), seconds(0));
}

TEST(RetryAfter, NotDelaySecondsIsJunk) {
  EXPECT_EQ(parse_retry_after("1.5", kNow, kCap), seconds(0));
  EXPECT_EQ(parse_retry_after("10s", kNow, kCap), seconds(0));
  EXPECT_EQ(parse_retry_after("-5", kNow, kCap), seconds(0));
  EXPECT_EQ(parse_retry_after("soon", kNow, kCap), seconds(0));
  EXPECT_EQ(parse_retry_after("", kNow, kCap), seconds(0));
}

TEST(RetryAfter, HugeNumberIsTheCap) {
  EXPECT_EQ(parse_retry_after("99999999999999999999", kNow, kCap), kCap);
  EXPECT_EQ(parse_retry_after("86401", kNow, kCap), kCap);
}

TEST(RetryAfter, HttpDate) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", kNow, kCap), seconds(30));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", kNow, kCap), seconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2099 07:28:00 GMT", kNow, kCap), kCap);
}

}  // namespace
}  // namespace rtmp::dispatcher
