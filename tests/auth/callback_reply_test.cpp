#include "ingest/auth/callback_reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp::auth {
namespace {

const std::string kKey = "live/secret123";

TEST(CallbackReply, JsonStreamKeyRenames) {
  const Decision d = decide_callback_reply(200, R"({"stream_key":"live/show"})", kKey);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.stream_key, "live/show");
}

TEST(CallbackReply, AnyTwoHundredAndOtherMembersRename) {
  const Decision d =
      decide_callback_reply(201, " {\"ok\":true,\n\"stream_key\":\"other.app/Show_1-x~y\"} ", kKey);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.stream_key, "other.app/Show_1-x~y");
}

TEST(CallbackReply, SameKeyIsNoRename) {
  const Decision d = decide_callback_reply(200, R"({"stream_key":"live/secret123"})", kKey);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.stream_key, "");
}

TEST(CallbackReply, OtherBodiesAllowAsBefore) {
  for (const char* body : {"", "ok", "[\"live/show\"]", "\"live/show\"", "{}",
                           R"({"streamkey":"live/show"})", R"({"key":"a/b"})", "null"}) {
    const Decision d = decide_callback_reply(200, body, kKey);
    EXPECT_TRUE(d.allowed) << body;
    EXPECT_EQ(d.error, "") << body;
    EXPECT_EQ(d.stream_key, "") << body;
  }
  EXPECT_TRUE(decide_callback_reply(204, "", kKey).allowed);
}

TEST(CallbackReply, AnObjectThatDoesNotParseRefuses) {
  for (const char* body : {"{", R"({"stream_key":"live/show","pad":"xxxx)",
                           R"({"stream_key":"live/show"} trailing)", "  {\"stream_key\": }"}) {
    const Decision d = decide_callback_reply(200, body, kKey);
    EXPECT_FALSE(d.allowed) << body;
    EXPECT_NE(d.error.find("callback reply is not valid JSON"), std::string::npos) << d.error;
  }
}

TEST(CallbackReply, NonTwoHundredRefusesWhateverTheBody) {
  for (long status : {0L, 199L, 301L, 302L, 401L, 403L, 500L}) {
    const Decision d = decide_callback_reply(status, R"({"stream_key":"live/show"})", kKey);
    EXPECT_FALSE(d.allowed) << status;
    EXPECT_EQ(d.error, "callback returned " + std::to_string(status));
    EXPECT_EQ(d.stream_key, "");
  }
}

TEST(CallbackReply, NonStringStreamKeyRefuses) {
  for (const char* body : {R"({"stream_key":5})", R"({"stream_key":null})",
                           R"({"stream_key":["live/show"]})", R"({"stream_key":{"a":"b"}})"}) {
    const Decision d = decide_callback_reply(200, body, kKey);
    EXPECT_FALSE(d.allowed) << body;
    EXPECT_EQ(d.error, "callback stream_key is not a string") << body;
  }
}

TEST(CallbackReply, BadKeysRefuseWithAReasonThatDoesNotRepeatThem) {
  struct Case {
    std::string key;
    std::string why;
  };
  const Case cases[] = {
      {"", "not of the form app/name"},
      {"show", "not of the form app/name"},
      {"/show", "empty app"},
      {"live/", "empty name"},
      {"live/a/b", "more than one '/'"},
      {"live/../etc", "more than one '/'"},
      {"../show", "app starts with '.'"},
      {"live/..", "name starts with '.'"},
      {"live/.hidden", "name starts with '.'"},
      {"live/a b", "byte 0x20 in the name"},
      {"live/a?token=x", "'?' in the name"},
      {"live/a\\b", "'\\' in the name"},
      {"li%2Fve/a", "'%' in the app"},
      {"live/a\nb", "byte 0x0a in the name"},
      {std::string("live/a\0b", 8), "byte 0x00 in the name"},
      {"live/\xc3\xa9", "byte 0xc3 in the name"},
      {"live/" + std::string(1020, 'a'), "longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    std::string body = "{\"stream_key\":\"";
    for (unsigned char ch : c.key) {
      if (ch == '"' || ch == '\\') {
        body += '\\';
        body += static_cast<char>(ch);
      } else if (ch < 0x20) {
        static const char* hex = "0123456789abcdef";
        body += "\\u00";
        body += hex[ch >> 4];
        body += hex[ch & 15];
      } else {
        body += static_cast<char>(ch);
      }
    }
    body += "\"}";
    const Decision d = decide_callback_reply(200, body, kKey);
    EXPECT_FALSE(d.allowed) << body;
    EXPECT_EQ(d.error, "callback stream_key is invalid: " + c.why) << body;
    EXPECT_EQ(d.stream_key, "");
    EXPECT_EQ(check_renamed_key(c.key), c.why);
  }
}

TEST(CallbackReply, KeyCheckHonoursTheLimit) {
  EXPECT_EQ(check_renamed_key("live/abcdef", 11), "");
  EXPECT_EQ(check_renamed_key("live/abcdefg", 11), "longer than 11 bytes");
}

}  // namespace
}  // namespace rtmp::auth
