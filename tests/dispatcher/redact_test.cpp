#include "dispatcher/redact.hpp"

#include <gtest/gtest.h>

namespace rtmp::dispatcher {
namespace {

TEST(Redact, UserinfoGoes) {
  const auto r = redact_url("https://alice:pw@hooks.example.com:8443/in");
  EXPECT_EQ(r.text, "https://hooks.example.com:8443/in");
  EXPECT_TRUE(r.removed);
  EXPECT_EQ(redact_url("https://tok@h/").text, "https://h/");
  // An '@' in the password: everything up to the last one is userinfo.
  EXPECT_EQ(redact_url("http://u:p@ss@h:1/x").text, "http://h:1/x");
}

TEST(Redact, SecretQueryValuesGo) {
  const auto r = redact_url("http://h/in?token=abc&stream=live&api_key=K&Signature=s#frag");
  EXPECT_EQ(r.text,
            "http://h/in?token=REDACTED&stream=live&api_key=REDACTED&Signature=REDACTED#frag");
  EXPECT_TRUE(r.removed);
  for (const char* name : {"access_token", "client_secret", "password", "pwd", "Authorization",
                           "sig", "credentials", "session_id", "jwt", "X-Api-Key"})
    EXPECT_TRUE(secret_param_name(name)) << name;
  for (const char* name : {"stream", "app", "x", "id", "format"})
    EXPECT_FALSE(secret_param_name(name)) << name;
}

TEST(Redact, NothingToRemove) {
  for (const char* url : {"http://127.0.0.1:8080/events", "http://h/x?a=1&b",
                          "http://h?token=", "http://h", "nats://a:4222,b:4222/rtmp.{type}"}) {
    const auto r = redact_url(url);
    EXPECT_EQ(r.text, url);
    EXPECT_FALSE(r.removed) << url;
  }
}

TEST(Redact, EveryServerOfAList) {
  EXPECT_EQ(redact_url("nats://u:p@a:4222,v:q@b:4222/rtmp.events").text,
            "nats://a:4222,b:4222/rtmp.events");
  EXPECT_EQ(redact_url("nats://u:p@a:4222,nats://tok@b:4222/s").text,
            "nats://a:4222,nats://b:4222/s");
}

TEST(Redact, UrlsInsideAnErrorMessage) {
  EXPECT_EQ(redact_urls_in("not connected to nats://u:s3cret@h:4222,nats://tok@g:4222 (timeout)"),
            "not connected to nats://h:4222,nats://g:4222 (timeout)");
  EXPECT_EQ(redact_urls_in("POST \"https://a:b@h/x?token=t\" failed"),
            "POST \"https://h/x?token=REDACTED\" failed");
  EXPECT_EQ(redact_urls_in("connect: Connection refused"), "connect: Connection refused");
  EXPECT_EQ(redact_urls_in(""), "");
}

TEST(Redact, SameTargetSameText) {
  // Replay finds a flag's target by its redacted text.
  EXPECT_EQ(redact_url("http://x:y@h/p?token=1").text, redact_url("http://h/p?token=2").text);
}

TEST(Redact, TargetIdTellsApartWhatRedactsTheSame) {
  const std::string a = "http://h/x?code=400&token=AAA";
  const std::string b = "http://h/x?code=400&token=BBB";
  ASSERT_EQ(redact_url(a).text, redact_url(b).text);
  EXPECT_NE(target_id(a), target_id(b));
  EXPECT_NE(target_id("http://userA@h/x"), target_id("http://userB@h/x"));
  EXPECT_EQ(target_id(a), target_id(a));
  EXPECT_EQ(target_id(a).size(), 12u);
  EXPECT_EQ(target_id(a).find("AAA"), std::string::npos);
}

}  // namespace
}  // namespace rtmp::dispatcher
