#include "dispatcher/http1.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rtmp::dispatcher::http1 {
namespace {

using State = ResponseParser::State;

struct Fed {
  State state = State::more;
  size_t consumed = 0;  // over all pieces
};

// Feeds `pieces` in order until the parser is done or fails.
Fed feed_pieces(ResponseParser& p, const std::vector<std::string>& pieces) {
  Fed out;
  for (const auto& piece : pieces) {
    size_t used = 0;
    out.state = p.feed(piece, used);
    out.consumed += used;
    if (out.state != State::more) break;
  }
  return out;
}

// Every way of cutting `text` in two, and one byte at a time.
std::vector<std::vector<std::string>> splits(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (size_t i = 1; i < text.size(); ++i) out.push_back({text.substr(0, i), text.substr(i)});
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  out.push_back(bytes);
  return out;
}

TEST(Http1, NoContentIsCompleteAfterTheHeadersAndKeepsTheConnection) {
  const std::string r = "HTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n";
  for (const auto& pieces : splits(r)) {
    ResponseParser p;
    const Fed f = feed_pieces(p, pieces);
    ASSERT_EQ(f.state, State::done);
    EXPECT_EQ(f.consumed, r.size());
    EXPECT_EQ(p.status(), 204);
    EXPECT_TRUE(p.keep_alive());
    EXPECT_TRUE(p.body().empty());
  }
}

TEST(Http1, ContentLengthBodyInAnyPieces) {
  const std::string r = "HTTP/1.1 503 Busy\r\ncontent-length: 7\r\n\r\nbusy :(";
  for (const auto& pieces : splits(r)) {
    ResponseParser p;
    const Fed f = feed_pieces(p, pieces);
    ASSERT_EQ(f.state, State::done);
    EXPECT_EQ(p.status(), 503);
    EXPECT_EQ(p.body(), "busy :(");
    EXPECT_TRUE(p.keep_alive());
  }
}

TEST(Http1, ChunkedWithExtensionsAndTrailers) {
  const std::string r =
      "HTTP/1.1 500 Oops\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "4;name=x\r\nfail\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (const auto& pieces : splits(r)) {
    ResponseParser p;
    const Fed f = feed_pieces(p, pieces);
    ASSERT_EQ(f.state, State::done) << p.error();
    EXPECT_EQ(f.consumed, r.size());
    EXPECT_EQ(p.status(), 500);
    EXPECT_EQ(p.body(), "fail0123456789");
  }
}

TEST(Http1, InterimResponsesAreSkipped) {
  const std::string r =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ResponseParser p;
  const Fed f = feed_pieces(p, {r});
  ASSERT_EQ(f.state, State::done);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body(), "ok");
}

TEST(Http1, ConnectionCloseAndHttp10) {
  ResponseParser close;
  ASSERT_EQ(
      feed_pieces(close, {"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"})
          .state,
      State::done);
  EXPECT_FALSE(close.keep_alive());

  ResponseParser old;
  ASSERT_EQ(feed_pieces(old, {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"}).state,
            State::done);
  EXPECT_FALSE(old.keep_alive());

  ResponseParser old_ka;
  ASSERT_EQ(
      feed_pieces(old_ka,
                  {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"})
          .state,
      State::done);
  EXPECT_TRUE(old_ka.keep_alive());
}

TEST(Http1, BodyWithoutFramingRunsToTheClose) {
  ResponseParser p;
  EXPECT_EQ(feed_pieces(p, {"HTTP/1.1 200 OK\r\n\r\nsome", " more"}).state, State::more);
  EXPECT_EQ(p.eof(), State::done);
  EXPECT_EQ(p.body(), "some more");
  EXPECT_FALSE(p.keep_alive());
}

TEST(Http1, LineFeedOnlyAndFoldedHeaders) {
  ResponseParser p;
  ASSERT_EQ(feed_pieces(p, {"HTTP/1.1 201 Created\nX-Long: a\n  b\nContent-Length: 1\n\nz"}).state,
            State::done);
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(p.body(), "z");
}

TEST(Http1, BytesPastTheResponseAreLeft) {
  ResponseParser p;
  size_t used = 0;
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1";
  EXPECT_EQ(p.feed(r, used), State::done);
  EXPECT_EQ(used, r.size() - 8);
}

TEST(Http1, KeepsOnlyTheFirstBodyBytes) {
  const std::string body(1000, 'b');
  ResponseParser p;
  ASSERT_EQ(feed_pieces(p, {"HTTP/1.1 400 Bad\r\nContent-Length: 1000\r\n\r\n" + body}).state,
            State::done);
  EXPECT_EQ(p.body().size(), ResponseParser::kBodyKeep);
}

TEST(Http1, EndBeforeAResponseIsAnErrorThatSaysNothingCame) {
  ResponseParser none;
  EXPECT_FALSE(none.started());
  EXPECT_EQ(none.eof(), State::error);
  ResponseParser half;
  EXPECT_EQ(feed_pieces(half, {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"}).state,
            State::more);
  EXPECT_TRUE(half.started());
  EXPECT_EQ(half.eof(), State::error);
}

TEST(Http1, MalformedResponsesAreErrors) {
  for (const std::string bad :
       {"HTTP/2 200\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n"}) {
    ResponseParser p;
    EXPECT_EQ(feed_pieces(p, {bad}).state, State::error) << bad;
    EXPECT_FALSE(p.error().empty());
  }
  ResponseParser huge;
  EXPECT_EQ(feed_pieces(huge, {"HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a')}).state,
            State::error);
}

TEST(Http1, ResetStartsOver) {
  ResponseParser p;
  ASSERT_EQ(feed_pieces(p, {"HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n"}).state, State::done);
  p.reset();
  EXPECT_FALSE(p.started());
  ASSERT_EQ(feed_pieces(p, {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}).state, State::done);
  EXPECT_EQ(p.status(), 200);
}

TEST(Http1, ReusableOnceTheFinalHeadersAreIn) {
  ResponseParser p;
  EXPECT_FALSE(p.reusable());
  feed_pieces(p, {"HTTP/1.1 100 Continue\r\n\r\n"});
  EXPECT_FALSE(p.reusable());
  feed_pieces(p, {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"});
  EXPECT_TRUE(p.reusable());
  ResponseParser unframed;
  feed_pieces(unframed, {"HTTP/1.1 200 OK\r\n\r\n"});
  EXPECT_FALSE(unframed.reusable());
  ResponseParser closing;
  feed_pieces(closing, {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"});
  EXPECT_FALSE(closing.reusable());
}

TEST(Http1, TargetsOfPlainHttpUrls) {
  auto t = parse_target("http://127.0.0.1:8080/hook/a?x=1&y=2#frag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->origin, "127.0.0.1:8080");
  EXPECT_EQ(t->head, "POST /hook/a?x=1&y=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n");
  t = parse_target("http://example.com");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->origin, "example.com:80");
  EXPECT_EQ(t->head, "POST / HTTP/1.1\r\nHost: example.com\r\n");
  t = parse_target("http://[::1]:9000/x");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->head, "POST /x HTTP/1.1\r\nHost: [::1]:9000\r\n");
  EXPECT_FALSE(parse_target("https://example.com/"));
  EXPECT_FALSE(parse_target("http://user:pw@example.com/"));
  EXPECT_FALSE(parse_target("not a url"));
}

}  // namespace
}  // namespace rtmp::dispatcher::http1
