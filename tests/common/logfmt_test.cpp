#include "common/logfmt.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp::common {
namespace {

std::string value(std::string_view s) {
  std::string out;
  append_logfmt_value(out, s);
  return out;
}

TEST(Logfmt, BareWhenNothingToQuote) {
  EXPECT_EQ(value("live/test"), "live/test");
  EXPECT_EQ(value("10.0.0.1:5000"), "10.0.0.1:5000");
  EXPECT_EQ(value("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(Logfmt, QuotedAsJson) {
  EXPECT_EQ(value(""), R"("")");
  EXPECT_EQ(value("a b"), R"("a b")");
  EXPECT_EQ(value("a=b"), R"("a=b")");
  EXPECT_EQ(value("say \"no\"\\"), R"("say \"no\"\\")");
  EXPECT_EQ(value("x\x02"), R"("x\u0002")");
  EXPECT_EQ(value("x\x7f"), R"("x\u007f")");
}

TEST(Logfmt, NeverTwoLines) {
  EXPECT_EQ(value("a\nb\r"), R"("a\nb\r")");
}

TEST(Logfmt, InvalidUtf8AsInJson) {
  EXPECT_EQ(value("a\xff"), R"("a\ufffd")");
  EXPECT_TRUE(logfmt_needs_quotes("\xc3"));
  EXPECT_FALSE(logfmt_needs_quotes("\xc3\xa9"));
}

}  // namespace
}  // namespace rtmp::common
