#include "ingest/relay/relay_target.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

RelayTarget parse(const std::string& url) {
  RelayTarget t;
  EXPECT_EQ(parse_relay_target(url, t), "") << url;
  return t;
}

std::string error_of(const std::string& url) {
  RelayTarget t;
  return parse_relay_target(url, t);
}

TEST(RelayTarget, AppOnlyAppendsTheStreamName) {
  const auto e = resolve(parse("rtmp://127.0.0.1:1936/live"), "src", "cam1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 1936);
  EXPECT_EQ(e->app, "live");
  EXPECT_EQ(e->stream_name, "cam1");
  EXPECT_EQ(e->tc_url, "rtmp://127.0.0.1:1936/live");
  EXPECT_EQ(e->redacted, "rtmp://127.0.0.1:1936/live/cam1");
}

TEST(RelayTarget, PlaceholdersAndDefaultPorts) {
  auto e = resolve(parse("rtmp://b.example/{app}_out/{name}-hd"), "live", "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 1935);
  EXPECT_EQ(e->app, "live_out");
  EXPECT_EQ(e->stream_name, "x-hd");
  e = resolve(parse("rtmps://b.example/push/{key}"), "live", "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->app, "push");
  EXPECT_EQ(e->stream_name, "live/x");
  EXPECT_EQ(e->redacted, "rtmps://b.example:443/push/live/x");
  // A fixed name is kept as given.
  e = resolve(parse("rtmp://h/app/fixed"), "live", "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stream_name, "fixed");
}

TEST(RelayTarget, QueryGoesToTheTargetOnlyNeverIntoTheRedactedForm) {
  const auto e = resolve(parse("rtmp://h:1/live?token=s3cret&x=1"), "a", "b");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stream_name, "b?token=s3cret&x=1");
  EXPECT_EQ(e->redacted.find("s3cret"), std::string::npos);
  EXPECT_EQ(e->tc_url.find("s3cret"), std::string::npos);
  EXPECT_EQ(redact_url("rtmp://h/live?token=s3cret"), "rtmp://h/live");
}

TEST(RelayTarget, Ipv6) {
  const auto e = resolve(parse("rtmp://[::1]:1940/live"), "a", "b");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->tc_url, "rtmp://[::1]:1940/live");
}

TEST(RelayTarget, Errors) {
  EXPECT_NE(error_of("http://h/live"), "");
  EXPECT_NE(error_of("h/live"), "");
  EXPECT_NE(error_of("rtmp:///live"), "");
  EXPECT_NE(error_of("rtmp://h"), "");
  EXPECT_NE(error_of("rtmp://h:0/live"), "");
  EXPECT_NE(error_of("rtmp://h:99999/live"), "");
  EXPECT_NE(error_of("rtmp://h:x/live"), "");
  EXPECT_NE(error_of("rtmp://[::1/live"), "");
}

TEST(RelayTarget, UserinfoIsRefusedAndNeverShown) {
  const std::string err = error_of("rtmp://user:pw@h/live");
  EXPECT_NE(err.find("user:password"), std::string::npos) << err;
  EXPECT_EQ(redact_url("rtmp://user:pw@h:1935/live?token=t"), "rtmp://…@h:1935/live");
  EXPECT_EQ(redact_url("rtmp://h/live/a@b"), "rtmp://h/live/a@b");  // an @ in the path is kept
}

TEST(RelayTarget, SchemeInAnyCase) {
  const auto e = resolve(parse("RTMPS://h/live"), "a", "b");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->scheme, "rtmps");
  EXPECT_EQ(e->redacted, "rtmps://h:443/live/b");
}

TEST(RelayTarget, NoNameLeftIsNoEndpoint) {
  EXPECT_FALSE(resolve(parse("rtmp://h/{name}"), "live", "x"));  // no app left
  EXPECT_FALSE(resolve(parse("rtmp://h/live/{app}"), "", "x"));  // empty stream name
}

}  // namespace
}  // namespace rtmp::relay
