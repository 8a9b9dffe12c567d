#include "ingest/auth/token_authorizer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rtmp::auth {
namespace {

Request request_for(const std::string& key, const std::string& token) {
  const auto slash = key.find('/');
  return {"publish", key.substr(0, slash), key.substr(slash + 1), key, token, "127.0.0.1:1"};
}

Decision decide(Authorizer& authorizer, const Request& request) {
  Decision result{false, "not called"};
  int calls = 0;
  authorizer.authorize(request, [&](Decision d) {
    result = std::move(d);
    ++calls;
  });
  EXPECT_EQ(calls, 1);  // token mode answers inline
  return result;
}

TEST(ParseTokenFlags, SplitsAtTheFirstEquals) {
  const TokenMap tokens = parse_token_flags({"live/a=one", "live/b=YWJj=="});
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens.at("live/a"), "one");
  EXPECT_EQ(tokens.at("live/b"), "YWJj==");
}

TEST(ParseTokenFlags, RejectsMalformedEntriesWithoutEchoingThem) {
  try {
    parse_token_flags({"live/a=one", "hunter2"});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("-auth-token #2"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
  EXPECT_THROW(parse_token_flags({"=tok"}), std::runtime_error);
  EXPECT_THROW(parse_token_flags({"live/a="}), std::runtime_error);
  EXPECT_THROW(parse_token_flags({"live/a=x", "live/a=y"}), std::runtime_error);
}

TEST(TokenAuthorizer, RightTokenAllows) {
  TokenAuthorizer authorizer(parse_token_flags({"live/test=secret", "live/other=other"}));
  const Decision d = decide(authorizer, request_for("live/test", "secret"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.error, "");
  auto play = request_for("live/test", "secret");
  play.action = "play";
  EXPECT_TRUE(decide(authorizer, play).allowed);
}

TEST(TokenAuthorizer, WrongMissingOrForeignTokenRefuses) {
  TokenAuthorizer authorizer(parse_token_flags({"live/test=secret", "live/other=other"}));
  Decision d = decide(authorizer, request_for("live/test", "secreT"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.error, "invalid token");
  d = decide(authorizer, request_for("live/test", ""));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.error, "missing token");
  d = decide(authorizer, request_for("live/test", "other"));  // another key's token
  EXPECT_FALSE(d.allowed);
  d = decide(authorizer, request_for("live/unknown", "secret"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.error, "invalid token");
}

TEST(TokenAuthorizer, ErrorsNeverCarryTheToken) {
  TokenAuthorizer authorizer(parse_token_flags({"live/test=secret"}));
  const Decision d = decide(authorizer, request_for("live/test", "guess-123"));
  EXPECT_EQ(d.error.find("guess-123"), std::string::npos);
  EXPECT_EQ(d.error.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace rtmp::auth
