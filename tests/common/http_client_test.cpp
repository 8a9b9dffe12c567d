// common/http_client against a real local HTTP server (tests/common/test_http_server.hpp,
// which the callback authorizer tests share).
#include "common/http_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/common/test_http_server.hpp"

namespace rtmp::common {
namespace {

using namespace std::chrono_literals;
using test::Received;
using test::Reply;
using test::ResultSlot;
using test::TestHttpServer;
using Clock = std::chrono::steady_clock;

HttpClient::Request post_to(const std::string& url, std::string body,
                            Duration timeout = std::chrono::seconds(10)) {
  return {url, {"Content-Type: application/json"}, std::move(body), timeout};
}

TEST(HttpClient, PostsBodyAndReturnsStatusAndBody) {
  TestHttpServer server([](const Received& r) { return Reply{201, 0ms, "echo:" + r.body}; });
  HttpClient client;
  ResultSlot<HttpClient::Response> slot;
  client.post(post_to(server.url("/hook"), "{\"a\":1}"),
              [&](HttpClient::Response r) { slot.set(std::move(r)); });
  const auto response = slot.wait(10s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->error, "");
  EXPECT_EQ(response->body, "echo:{\"a\":1}");
  const auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/hook");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].body, "{\"a\":1}");
}

TEST(HttpClient, ErrorStatusIsAResponseNotATransportError) {
  TestHttpServer server([](const Received&) { return Reply{503, 0ms, "busy"}; });
  HttpClient client;
  ResultSlot<HttpClient::Response> slot;
  client.post(post_to(server.url(), "x"), [&](HttpClient::Response r) { slot.set(std::move(r)); });
  const auto response = slot.wait(10s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->error, "");
  EXPECT_FALSE(response->timed_out);
}

TEST(HttpClient, ConnectionRefusedIsATransportError) {
  std::string url;
  {  // a port that was just free: bind, read it back, close
    TestHttpServer gone([](const Received&) { return Reply{}; });
    url = gone.url();
  }
  HttpClient client;
  ResultSlot<HttpClient::Response> slot;
  client.post(post_to(url, "x"), [&](HttpClient::Response r) { slot.set(std::move(r)); });
  const auto response = slot.wait(10s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 0);
  EXPECT_NE(response->error, "");
  EXPECT_FALSE(response->timed_out);
}

TEST(HttpClient, SlowAnswerTimesOutAtTheRequestTimeout) {
  TestHttpServer server([](const Received&) { return Reply{200, 5s, ""}; });
  HttpClient client;
  ResultSlot<HttpClient::Response> slot;
  const auto start = Clock::now();
  client.post(post_to(server.url(), "x", 300ms),
              [&](HttpClient::Response r) { slot.set(std::move(r)); });
  const auto response = slot.wait(10s);
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->timed_out);
  EXPECT_NE(response->error, "");
  EXPECT_EQ(response->status, 0);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 4s);  // well before the server would have answered
}

TEST(HttpClient, ReusesTheConnectionForSequentialRequests) {
  TestHttpServer server([](const Received&) { return Reply{}; });
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    ResultSlot<HttpClient::Response> slot;
    client.post(post_to(server.url(), "x"),
                [&](HttpClient::Response r) { slot.set(std::move(r)); });
    const auto response = slot.wait(10s);
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200);
  }
  const auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].connection, got[1].connection);
  EXPECT_EQ(got[1].connection, got[2].connection);
}

TEST(HttpClient, SlowRequestDoesNotDelayAConcurrentOne) {
  TestHttpServer server([](const Received& r) {
    return r.body == "slow" ? Reply{200, 3s, ""} : Reply{200, 0ms, ""};
  });
  HttpClient client;
  ResultSlot<HttpClient::Response> slow, fast;
  client.post(post_to(server.url(), "slow"),
              [&](HttpClient::Response r) { slow.set(std::move(r)); });
  ASSERT_TRUE(server.wait_for_requests(1, 10s));  // the slow one is at the server
  const auto start = Clock::now();
  client.post(post_to(server.url(), "fast"),
              [&](HttpClient::Response r) { fast.set(std::move(r)); });
  const auto fast_response = fast.wait(10s);
  ASSERT_TRUE(fast_response);
  EXPECT_EQ(fast_response->status, 200);
  EXPECT_FALSE(slow.ready()) << "the fast request waited for the slow one";
  EXPECT_LT(Clock::now() - start, 2s);
  const auto slow_response = slow.wait(10s);
  ASSERT_TRUE(slow_response);
  EXPECT_EQ(slow_response->status, 200);
}

TEST(HttpClient, PostIsThreadSafe) {
  TestHttpServer server([](const Received& r) { return Reply{200, 0ms, r.body}; });
  HttpClient client;
  constexpr int kThreads = 4, kEach = 25;
  std::mutex mutex;
  std::condition_variable cv;
  int ok = 0, done = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string body = std::to_string(t) + "/" + std::to_string(i);
        client.post(post_to(server.url(), body), [&, body](HttpClient::Response r) {
          std::lock_guard lock(mutex);
          ok += r.status == 200 && r.body == body;
          ++done;
          cv.notify_all();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return done == kThreads * kEach; }));
  EXPECT_EQ(ok, kThreads * kEach);
}

TEST(HttpClient, ShutdownCompletesPendingRequestsWithAnError) {
  TestHttpServer server([](const Received&) { return Reply{200, 10s, ""}; });
  ResultSlot<HttpClient::Response> pending, late;
  {
    HttpClient client;
    client.post(post_to(server.url(), "x", 20s),
                [&](HttpClient::Response r) { pending.set(std::move(r)); });
    ASSERT_TRUE(server.wait_for_requests(1, 10s));
    const auto start = Clock::now();
    client.shutdown();
    EXPECT_LT(Clock::now() - start, 5s);
    client.post(post_to(server.url(), "y"),
                [&](HttpClient::Response r) { late.set(std::move(r)); });
    ASSERT_TRUE(late.ready()) << "post after shutdown completes inline";
  }
  const auto response = pending.wait(1s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->error, "http client shut down");
  EXPECT_EQ(late.wait(1s)->error, "http client shut down");
}

TEST(HttpClient, DestructorCompletesPendingRequests) {
  TestHttpServer server([](const Received&) { return Reply{200, 10s, ""}; });
  ResultSlot<HttpClient::Response> pending;
  {
    HttpClient client;
    client.post(post_to(server.url(), "x", 20s),
                [&](HttpClient::Response r) { pending.set(std::move(r)); });
    ASSERT_TRUE(server.wait_for_requests(1, 10s));
  }
  ASSERT_TRUE(pending.ready());
  EXPECT_EQ(pending.wait(1s)->error, "http client shut down");
}

}  // namespace
}  // namespace rtmp::common
