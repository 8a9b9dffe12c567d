#include "common/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace rtmp::common {
namespace {

TEST(JsonText, PlainTextUnchanged) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("live/test conn-1"), R"("live/test conn-1")");
}

TEST(JsonText, NamedAndNumericEscapes) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(json_string(std::string("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
}

TEST(JsonText, ValidUtf8PassesAsItIs) {
  const std::string s =
      "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5 \xf4\x8f\xbf\xbf";  // é € 🎥 U+10FFFF
  EXPECT_EQ(json_string(s), "\"" + s + "\"");
  EXPECT_TRUE(is_valid_utf8(s));
}

// The policy: every byte that does not begin a well-formed sequence is one
// U+FFFD; the next byte is looked at afresh.
TEST(JsonText, InvalidUtf8BytesBecomeReplacementCharacters) {
  const struct {
    std::string in;
    const char* out;
  } cases[] = {
      {"a\xff"
       "b",
       R"("a\ufffdb")"},                                      // never valid
      {"\x80", R"("\ufffd")"},                                // lone continuation
      {"\xc3", R"("\ufffd")"},                                // truncated at the end
      {"\xc3(", R"("\ufffd(")"},                              // truncated before ASCII
      {"\xc0\xaf", R"("\ufffd\ufffd")"},                      // overlong '/'
      {"\xe0\x80\xaf", R"("\ufffd\ufffd\ufffd")"},            // overlong, 3 bytes
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},            // surrogate D800
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},  // past U+10FFFF
      {"\xe2\x82\xc3\xa9", "\"\\ufffd\\ufffd\xc3\xa9\""},     // cut short, then é
  };
  for (const auto& c : cases) {
    EXPECT_EQ(json_string(c.in), c.out);
    EXPECT_FALSE(is_valid_utf8(c.in));
  }
}

// Any bytes at all give one line a JSON parser takes back, equal to the input
// where that was valid UTF-8.
TEST(JsonText, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string json = json_string(all);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  const auto v = boost::json::parse(json);
  const std::string back(v.as_string());
  EXPECT_EQ(back.substr(0, 128), all.substr(0, 128));
  std::string want = all.substr(0, 128);
  for (int b = 128; b < 256; ++b) want += "\xef\xbf\xbd";
  EXPECT_EQ(back, want);
}

TEST(JsonText, AppendsToOtherBuffers) {
  std::string out = "x=";
  append_json_escaped(out, "\"q\"");
  EXPECT_EQ(out, R"(x=\"q\")");
}

}  // namespace
}  // namespace rtmp::common
