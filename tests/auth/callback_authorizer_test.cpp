#include "ingest/auth/callback_authorizer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>

#include "tests/common/test_http_server.hpp"

namespace rtmp::auth {
namespace {

using namespace std::chrono_literals;
using test::Received;
using test::Reply;
using test::ResultSlot;
using test::TestHttpServer;
using Clock = std::chrono::steady_clock;

Request request_for(const std::string& key, const std::string& token = "t0k") {
  const auto slash = key.find('/');
  return {"publish", key.substr(0, slash), key.substr(slash + 1), key, token, "127.0.0.1:50000"};
}

// Handler: stream names decide the answer, so one server serves every case.
Reply answer(const Received& r) {
  const auto body = boost::json::parse(r.body).as_object();
  const std::string name(body.at("stream_name").as_string());
  if (name == "forbidden") return {403, 0ms, "no"};
  if (name == "slow") return {200, 4s, ""};
  if (name == "nocontent") return {204, 0ms, ""};
  if (name == "secret123") return {200, 0ms, R"({"stream_key":"live/show"})"};
  if (name == "badrename") return {200, 0ms, R"({"stream_key":"live/../x"})"};
  return {200, 0ms, "ok"};
}

Decision authorize_and_wait(Authorizer& authorizer, const Request& request) {
  ResultSlot<Decision> slot;
  authorizer.authorize(request, [&](Decision d) { slot.set(std::move(d)); });
  auto decision = slot.wait(20s);
  EXPECT_TRUE(decision) << "no decision";
  return decision.value_or(Decision{false, "no decision"});
}

TEST(CallbackAuthorizer, TwoHundredAllowsAndTheBodyIsExact) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url("/on_publish"), 5s);
  Request request{"play", "live", "test", "live/test", "se\"cr et", "10.0.0.7:4242"};
  const Decision decision = authorize_and_wait(authorizer, request);
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.error, "");
  const auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/on_publish");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].body,
            R"({"action":"play","app":"live","stream_name":"test","stream_key":"live/test",)"
            R"("token":"se\"cr et","remote_addr":"10.0.0.7:4242"})");
  const boost::json::value expected = {{"action", "play"},      {"app", "live"},
                                       {"stream_name", "test"}, {"stream_key", "live/test"},
                                       {"token", "se\"cr et"},  {"remote_addr", "10.0.0.7:4242"}};
  EXPECT_EQ(boost::json::parse(got[0].body), expected);
}

TEST(CallbackAuthorizer, AnyTwoHundredAllows) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 5s);
  EXPECT_TRUE(authorize_and_wait(authorizer, request_for("live/nocontent")).allowed);
}

TEST(CallbackAuthorizer, JsonStreamKeyInTheReplyRenames) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 5s);
  const Decision decision = authorize_and_wait(authorizer, request_for("live/secret123"));
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.stream_key, "live/show");
  EXPECT_EQ(authorize_and_wait(authorizer, request_for("live/test")).stream_key, "");
}

TEST(CallbackAuthorizer, InvalidStreamKeyInTheReplyRefuses) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 5s);
  const Decision decision = authorize_and_wait(authorizer, request_for("live/badrename"));
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.error, "callback stream_key is invalid: more than one '/'");
  EXPECT_EQ(decision.stream_key, "");
}

TEST(CallbackAuthorizer, ForbiddenRefuses) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 5s);
  const Decision decision = authorize_and_wait(authorizer, request_for("live/forbidden"));
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.error, "callback returned 403");
}

TEST(CallbackAuthorizer, UnreachableRefuses) {
  std::string url;
  {
    TestHttpServer gone(answer);
    url = gone.url();
  }
  CallbackAuthorizer authorizer(url, 5s);
  const Decision decision = authorize_and_wait(authorizer, request_for("live/test"));
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.error.rfind("callback failed: ", 0), 0u) << decision.error;
}

TEST(CallbackAuthorizer, SlowAnswerRefusesAtTheTimeout) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 500ms);
  const auto start = Clock::now();
  const Decision decision = authorize_and_wait(authorizer, request_for("live/slow"));
  const auto elapsed = Clock::now() - start;
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.error, "callback timed out");
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 3500ms);  // the server answers only after 4 s
}

TEST(CallbackAuthorizer, AuthorizeReturnsBeforeTheAnswer) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 10s);
  ResultSlot<Decision> slot;
  const auto start = Clock::now();
  authorizer.authorize(request_for("live/slow"), [&](Decision d) { slot.set(std::move(d)); });
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(slot.ready());
  const auto decision = slot.wait(20s);
  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->allowed);
}

// At the library level: a slow callback for one client
// does not hold up another client's check.
TEST(CallbackAuthorizer, SlowCheckDoesNotDelayAConcurrentOne) {
  TestHttpServer server(answer);
  CallbackAuthorizer authorizer(server.url(), 2s);
  ResultSlot<Decision> slow, fast;
  const auto start = Clock::now();
  authorizer.authorize(request_for("live/slow"), [&](Decision d) { slow.set(std::move(d)); });
  ASSERT_TRUE(server.wait_for_requests(1, 10s));
  authorizer.authorize(request_for("live/other"), [&](Decision d) { fast.set(std::move(d)); });
  const auto fast_decision = fast.wait(10s);
  ASSERT_TRUE(fast_decision);
  EXPECT_TRUE(fast_decision->allowed);
  EXPECT_FALSE(slow.ready()) << "the second check waited for the first";
  EXPECT_LT(Clock::now() - start, 1500ms);
  const auto slow_decision = slow.wait(10s);
  ASSERT_TRUE(slow_decision);
  EXPECT_FALSE(slow_decision->allowed);
  EXPECT_EQ(slow_decision->error, "callback timed out");
}

TEST(CallbackAuthorizer, DestroyingRefusesPendingChecks) {
  TestHttpServer server(answer);
  ResultSlot<Decision> slot;
  {
    CallbackAuthorizer authorizer(server.url(), 10s);
    authorizer.authorize(request_for("live/slow"), [&](Decision d) { slot.set(std::move(d)); });
    ASSERT_TRUE(server.wait_for_requests(1, 10s));
  }
  ASSERT_TRUE(slot.ready());
  const auto decision = slot.wait(1s);
  EXPECT_FALSE(decision->allowed);
  EXPECT_NE(decision->error, "");
}

}  // namespace
}  // namespace rtmp::auth
