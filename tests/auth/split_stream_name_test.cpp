#include <gtest/gtest.h>

#include "ingest/auth/authorizer.hpp"

namespace rtmp::auth {
namespace {

void expect_split(const std::string& raw, const std::string& name, const std::string& token) {
  const StreamName got = split_stream_name(raw);
  EXPECT_EQ(got.name, name) << raw;
  EXPECT_EQ(got.token, token) << raw;
}

TEST(SplitStreamName, NoQuery) {
  expect_split("test", "test", "");
  expect_split("", "", "");
}

TEST(SplitStreamName, TokenAndOtherParameters) {
  expect_split("test?token=abc", "test", "abc");
  expect_split("test?token=abc&x=1", "test", "abc");
  expect_split("test?x=1&token=abc", "test", "abc");
  expect_split("test?x=1", "test", "");
  expect_split("test?", "test", "");
}

TEST(SplitStreamName, FirstTokenWins) {
  expect_split("s?token=one&token=two", "s", "one");
}

TEST(SplitStreamName, OnlyTheExactKeyCounts) {
  expect_split("s?mytoken=a&tokens=b&Token=c", "s", "");
  expect_split("s?token", "s", "");
  expect_split("s?token=", "s", "");
}

TEST(SplitStreamName, TokenIsUrlDecoded) {
  expect_split("s?token=a%2Bb%3d%3D", "s", "a+b==");
  expect_split("s?token=a+b", "s", "a b");  // form encoding, as Go's url.ParseQuery
  expect_split("s?token=%7e%7E", "s", "~~");
}

TEST(SplitStreamName, MalformedEscapesStayLiteral) {
  expect_split("s?token=100%", "s", "100%");
  expect_split("s?token=%4", "s", "%4");
  expect_split("s?token=%zz1", "s", "%zz1");
}

TEST(SplitStreamName, TokenValueMayContainEquals) {
  expect_split("s?token=a=b", "s", "a=b");
}

TEST(SplitStreamName, QueryKeepsOtherParametersWithoutTheToken) {
  EXPECT_EQ(split_stream_name("test").query, "");
  EXPECT_EQ(split_stream_name("test?token=abc").query, "");
  EXPECT_EQ(split_stream_name("test?token=abc&x=1").query, "x=1");
  EXPECT_EQ(split_stream_name("test?x=1&token=abc&y=a%20b").query, "x=1&y=a%20b");
  EXPECT_EQ(split_stream_name("s?token=one&z=2&token=two").query, "z=2");  // every token goes
  EXPECT_EQ(split_stream_name("s?token&mytoken=a&&b").query, "mytoken=a&b");
}

}  // namespace
}  // namespace rtmp::auth
