#include "ingest/auth/constant_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp::auth {
namespace {

TEST(ConstantTimeEquals, EqualTokensMatch) {
  EXPECT_TRUE(constant_time_equals("secret", "secret"));
  EXPECT_TRUE(constant_time_equals("a", "a"));
  const std::string with_nul("ab\0cd", 5);
  EXPECT_TRUE(constant_time_equals(with_nul, with_nul));
}

TEST(ConstantTimeEquals, AnyDifferingByteFails) {
  const std::string expected = "0123456789abcdef";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::string offered = expected;
    offered[i] ^= 0x01;
    EXPECT_FALSE(constant_time_equals(offered, expected)) << "byte " << i;
  }
}

TEST(ConstantTimeEquals, LengthMismatchFails) {
  EXPECT_FALSE(constant_time_equals("secre", "secret"));         // prefix
  EXPECT_FALSE(constant_time_equals("secrets", "secret"));       // extension
  EXPECT_FALSE(constant_time_equals("secretsecret", "secret"));  // repetition
  EXPECT_FALSE(constant_time_equals("", "secret"));
  const std::string with_nul("secret\0", 7);
  EXPECT_FALSE(constant_time_equals(with_nul, "secret"));
}

TEST(ConstantTimeEquals, EmptyExpectedNeverMatches) {
  EXPECT_FALSE(constant_time_equals("", ""));
  EXPECT_FALSE(constant_time_equals("x", ""));
}

}  // namespace
}  // namespace rtmp::auth
