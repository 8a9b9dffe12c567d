// The API's path and query decoding (percent escapes) and how a decoded path
// routes: malformed escapes, %2F in stream names, '+' in paths and queries.
#include "ingest/api/api_routes.hpp"

#include <gtest/gtest.h>

#include "common/percent.hpp"
#include "ingest/events/event.hpp"

namespace rtmp::api {
namespace {

std::optional<std::string> decode(std::string_view in, bool plus_is_space = false) {
  std::string out = "stale";
  if (!common::percent_decode(in, out, plus_is_space)) return std::nullopt;
  return out;
}

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(decode("live%2Fshow"), "live/show");
  EXPECT_EQ(decode("live%2fshow"), "live/show");
  EXPECT_EQ(decode("a%20b"), "a b");
  EXPECT_EQ(decode("%41%42%43"), "ABC");
  EXPECT_EQ(decode("%e2%82%ac"), "\xe2\x82\xac");
  EXPECT_EQ(decode(""), "");
  EXPECT_EQ(decode("plain"), "plain");
}

TEST(PercentDecode, DecodesOnceOnly) {
  EXPECT_EQ(decode("live%252Fshow"), "live%2Fshow");
}

TEST(PercentDecode, PlusIsASpaceOnlyInQueries) {
  EXPECT_EQ(decode("a+b"), "a+b");
  EXPECT_EQ(decode("a+b", true), "a b");
  EXPECT_EQ(decode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, RefusesMalformedEscapes) {
  for (std::string_view bad : {"%", "a%", "%2", "a%2", "%zz", "%g0", "%0g", "%%41", "%-1", "% 1"})
    EXPECT_EQ(decode(bad), std::nullopt) << bad;
}

TEST(QueryParam, FindsDecodesAndRefuses) {
  EXPECT_EQ(query_param("type=a,b&stream=live%2Fx", "stream"), "live/x");
  EXPECT_EQ(query_param("type=a,b&stream=live%2Fx", "type"), "a,b");
  EXPECT_EQ(query_param("stream=live+x", "stream"), "live x");
  EXPECT_EQ(query_param("flag&x=1", "flag"), "");
  EXPECT_EQ(query_param("x=1", "stream"), std::nullopt);
  EXPECT_EQ(query_param("streams=1", "stream"), std::nullopt);
  EXPECT_EQ(query_param("stream=%zz", "stream"), std::nullopt);
  EXPECT_EQ(query_param("", "stream"), std::nullopt);
  EXPECT_EQ(query_param("a=1&&stream=x", "stream"), "x");
}

// route() over an empty directory: what the decoded path is taken for.
class RouteTest : public ::testing::Test {
 protected:
  struct NullSink : events::EventSink {
    void emit(events::Event) noexcept override {}
  };
  Response get(std::string target, http::verb method = http::verb::get) {
    Request req{method, target, 11};
    return route(req, options_, ctx_);
  }
  static std::string body(const Response& r) { return r.body(); }

  ApiOptions options_;
  registry::Directory directory_;
  NullSink sink_;
  StatsSampler sampler_{directory_, sink_, common::Duration::zero()};
  EventHub hub_{10};
  ApiContext ctx_{directory_,
                  sampler_,
                  hub_,
                  [](const std::string&, events::StopReason, const std::string&) { return false; },
                  {}};
};

TEST_F(RouteTest, EscapedSlashIsTheKeysSlash) {
  auto r = get("/api/v1/streams/live%2Fshow");
  EXPECT_EQ(r.result(), http::status::not_found);
  EXPECT_NE(body(r).find("no live stream live/show"), std::string::npos) << body(r);
  EXPECT_EQ(body(get("/api/v1/streams/live/show")), body(r));
  // Escaped everywhere: the route itself.
  EXPECT_EQ(get("/api%2Fv1%2Fstreams").result(), http::status::ok);
}

TEST_F(RouteTest, KeysNeedAppAndNameAfterDecoding) {
  EXPECT_EQ(get("/api/v1/streams/live%2F").result(), http::status::bad_request);
  EXPECT_EQ(get("/api/v1/streams/%2Fshow").result(), http::status::bad_request);
  EXPECT_EQ(get("/api/v1/streams/live").result(), http::status::bad_request);
}

TEST_F(RouteTest, MalformedEscapeIsABadRequest) {
  for (std::string target :
       {"/api/v1/streams/live/%zz", "/api/v1/streams/live/x%2", "/api/v1/streams/live/x%"}) {
    auto r = get(target);
    EXPECT_EQ(r.result(), http::status::bad_request) << target;
    EXPECT_NE(body(r).find("malformed percent escape"), std::string::npos) << body(r);
  }
  // The query is not part of the path: a bad escape there does not matter here.
  EXPECT_EQ(get("/api/v1/streams?x=%zz").result(), http::status::ok);
}

// A GET of a live stream's kick is a method mistake (405, Allow: POST), not a
// missing stream; a stream whose name ends in /kick is still shown.
TEST_F(RouteTest, AGetOfAKickIsAMethodMistake) {
  const auto live = [this](std::string conn_id, std::string key) {
    registry::Directory::Entry e;
    e.conn_id = std::move(conn_id);
    e.key = std::move(key);
    e.publisher = true;
    e.conn = std::make_shared<registry::ConnCounters>();
    e.publish = std::make_shared<registry::PublishCounters>();
    return directory_.add(std::move(e));
  };
  EXPECT_EQ(get("/api/v1/streams/live/show/kick").result(), http::status::not_found);
  const auto show = live("c1", "live/show");
  auto r = get("/api/v1/streams/live/show/kick");
  EXPECT_EQ(r.result(), http::status::method_not_allowed) << body(r);
  EXPECT_EQ(r[http::field::allow], "POST");
  EXPECT_EQ(get("/api/v1/streams/live/show/kick", http::verb::head).result(),
            http::status::method_not_allowed);
  const auto named = live("c2", "live/show/kick");
  EXPECT_EQ(get("/api/v1/streams/live/show/kick").result(), http::status::ok);
}

TEST_F(RouteTest, EscapedKickIsAKick) {
  auto r = get("/api/v1/streams/live/show%2Fkick", http::verb::post);
  EXPECT_EQ(r.result(), http::status::not_found);
  EXPECT_NE(body(r).find("no live stream live/show"), std::string::npos) << body(r);
}

// Without a token, a kick from a page of another origin is refused: it needs
// no CORS preflight, so any page the operator visits could send it.
TEST_F(RouteTest, CrossOriginChangesNeedTheToken) {
  const auto kick = [this](std::string origin, std::string host, std::string fwd = {}) {
    Request req{http::verb::post, "/api/v1/streams/live/show/kick", 11};
    req.set(http::field::host, host);
    if (!origin.empty()) req.set(http::field::origin, origin);
    if (!fwd.empty()) req.set("X-Forwarded-Host", fwd);
    return route(req, options_, ctx_).result();
  };
  EXPECT_EQ(kick("http://evil.example", "127.0.0.1:8090"), http::status::forbidden);
  EXPECT_EQ(kick("null", "127.0.0.1:8090"), http::status::forbidden);
  // The dashboard's own kick (same origin), a proxy's, and clients that send
  // no Origin (curl) reach the route: no stream here, 404.
  EXPECT_EQ(kick("http://127.0.0.1:8090", "127.0.0.1:8090"), http::status::not_found);
  EXPECT_EQ(kick("https://Live.Example", "127.0.0.1:8090", "live.example"),
            http::status::not_found);
  EXPECT_EQ(kick("", "127.0.0.1:8090"), http::status::not_found);
  EXPECT_EQ(kick("http://localhost:8090", "localhost:8090"), http::status::not_found);
  EXPECT_EQ(kick("http://[::1]:8090", "[::1]:8090"), http::status::not_found);
  // DNS rebinding: the attacker's name resolves to 127.0.0.1, so Origin and
  // Host match, but under a name rather than an address.
  EXPECT_EQ(kick("http://evil.example:8090", "evil.example:8090"), http::status::forbidden);
  // Reading is not refused.
  Request get_req{http::verb::get, "/api/v1/streams", 11};
  get_req.set(http::field::origin, "http://evil.example");
  EXPECT_EQ(route(get_req, options_, ctx_).result(), http::status::ok);
  // With a token the token decides (a page cannot send it without a preflight).
  options_.token = "t";
  EXPECT_EQ(kick("http://evil.example", "127.0.0.1:8090"), http::status::unauthorized);
}

TEST_F(RouteTest, PlusStaysAPlusInNames) {
  auto r = get("/api/v1/streams/live/a+b");
  EXPECT_NE(body(r).find("no live stream live/a+b"), std::string::npos) << body(r);
}

// The live event stream is found by its decoded path, as every route is (a
// GET of /api/v1/%65vents was answered 405 "allowed: GET").
TEST(EventStreamGet, PathDecodedMethodGet) {
  for (const char* t : {"/api/v1/events", "/api/v1/%65vents?type=publish_start", "/api/v1/events?"})
    EXPECT_TRUE(is_event_stream_get(Request{http::verb::get, t, 11})) << t;
  EXPECT_FALSE(is_event_stream_get(Request{http::verb::post, "/api/v1/events", 11}));
  EXPECT_FALSE(is_event_stream_get(Request{http::verb::head, "/api/v1/events", 11}));
  for (const char* t : {"/api/v1/events/", "/api/v1/event", "/api/v1/%ZZvents"})
    EXPECT_FALSE(is_event_stream_get(Request{http::verb::get, t, 11})) << t;
}

// The live event stream's filter: known type names only, and a stream key.
TEST(EventFilterQuery, TypesAndStream) {
  EventFilter f;
  EXPECT_EQ(parse_event_filter("type=publish_start,publish_stop&stream=live%2Fa", f), std::nullopt);
  EXPECT_EQ(f.types, (std::vector<std::string>{"publish_start", "publish_stop"}));
  EXPECT_EQ(f.streams, (std::vector<std::string>{"live/a"}));
  EventFilter bad;
  EXPECT_NE(parse_event_filter("type=publish_start,nope", bad), std::nullopt);
  // Every type= counts; a bad escape or a stream that is no app/name is an
  // error. (Seen failing before: the second type= was ignored, bogus in it
  // too, and type=%ZZ streamed every event.)
  EventFilter both;
  EXPECT_EQ(parse_event_filter("type=publish_start&x=1&type=play_start", both), std::nullopt);
  EXPECT_EQ(both.types, (std::vector<std::string>{"publish_start", "play_start"}));
  for (const char* q : {"type=publish_start&type=bogus", "type=%ZZ", "stream=live", "stream=live%2",
                        "type=bogus&type=publish_start"}) {
    EventFilter f2;
    EXPECT_NE(parse_event_filter(q, f2), std::nullopt) << q;
  }
  EventFilter none;
  EXPECT_EQ(parse_event_filter("stream=&type=", none), std::nullopt);
  EXPECT_TRUE(none.types.empty());
  EXPECT_TRUE(none.streams.empty());
}

// A stream= names a key as the routes do: '+' is itself, every stream= counts,
// and an empty app or name is an error (it matched nothing, silently).
TEST(EventFilterQuery, StreamsAreKeysAsInPaths) {
  EventFilter f;
  EXPECT_EQ(parse_event_filter("stream=live/a+b&stream=live%2Fc%20d", f), std::nullopt);
  EXPECT_EQ(f.streams, (std::vector<std::string>{"live/a+b", "live/c d"}));
  for (const char* q : {"stream=live/", "stream=/a", "stream=live/a&stream=/"}) {
    EventFilter bad;
    EXPECT_NE(parse_event_filter(q, bad), std::nullopt) << q;
  }
}

}  // namespace
}  // namespace rtmp::api
