#include "dispatcher/nats_target.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/nats_runner.hpp"

namespace rtmp::dispatcher {
namespace {

NatsTarget parse_ok(const std::string& target) {
  std::string why;
  NatsTarget t = parse_nats_target(target, why);
  EXPECT_EQ(why, "") << target;
  return t;
}

std::string parse_error(const std::string& target) {
  std::string why;
  parse_nats_target(target, why);
  return why;
}

TEST(NatsTarget, OneServerAndSubject) {
  const NatsTarget t = parse_ok("nats://127.0.0.1:4222/rtmp.events.{type}");
  EXPECT_EQ(t.servers, "nats://127.0.0.1:4222");
  EXPECT_EQ(t.subject, "rtmp.events.{type}");
}

// A cluster: bare hosts take the target's scheme, a server may carry its own.
TEST(NatsTarget, CommaSeparatedServers) {
  const NatsTarget t = parse_ok("nats://user:pw@n1:4222,n2:4222,nats://n3:4222/live.{node}");
  EXPECT_EQ(t.servers, "nats://user:pw@n1:4222,nats://n2:4222,nats://n3:4222");
  EXPECT_EQ(t.subject, "live.{node}");
  EXPECT_EQ(parse_ok("tls://a:4222,b:4222/s").servers, "tls://a:4222,tls://b:4222");
}

// Credentials come off the URLs, percent-decoded; different ones stay put.
TEST(NatsServerUrls, CredentialsPercentDecoded) {
  NatsCredentials c;
  EXPECT_EQ(nats_server_urls("nats://127.0.0.1:4222", c),
            (std::vector<std::string>{"nats://127.0.0.1:4222"}));
  EXPECT_TRUE(c.user.empty() && c.token.empty());
  EXPECT_EQ(nats_server_urls("nats://hu:hp%40ss%3A%2f@n1:4222,nats://hu:hp%40ss%3A%2f@n2:4222", c),
            (std::vector<std::string>{"nats://n1:4222", "nats://n2:4222"}));
  EXPECT_EQ(c.user, "hu");
  EXPECT_EQ(c.password, "hp@ss:/");
  EXPECT_EQ(nats_server_urls("tls://s3cr%65t@n1:4222", c),
            (std::vector<std::string>{"tls://n1:4222"}));
  EXPECT_EQ(c.token, "s3cret");
  EXPECT_EQ(c.password, "");
  const std::string mixed = "nats://a:1@n1:4222,nats://b:2@n2:4222";
  EXPECT_EQ(nats_server_urls(mixed, c),
            (std::vector<std::string>{"nats://a:1@n1:4222", "nats://b:2@n2:4222"}));
  EXPECT_TRUE(c.user.empty() && c.token.empty());
}

TEST(NatsTarget, Refused) {
  EXPECT_NE(parse_error("http://h:4222/s"), "");
  EXPECT_NE(parse_error("nats://h:4222"), "");
  EXPECT_NE(parse_error("nats://h:4222/"), "");
  EXPECT_NE(parse_error("nats://h:4222,,g:4222/s"), "");
  EXPECT_NE(parse_error("nats://h:4222/a..b"), "");
  EXPECT_NE(parse_error("nats://h:4222/.a"), "");
  EXPECT_NE(parse_error("nats://h:4222/a b"), "");
  // Wildcards and unknown placeholders would be published literally.
  EXPECT_NE(parse_error("nats://h:4222/rtmp.*").find("wildcard"), std::string::npos);
  EXPECT_NE(parse_error("nats://h:4222/rtmp.>"), "");
  EXPECT_NE(parse_error("nats://h:4222/*"), "");
  EXPECT_NE(parse_error("nats://h:4222/x.{bogus}").find("placeholder"), std::string::npos);
  EXPECT_EQ(parse_error("nats://h:4222/rtmp.{node}.{type}"), "");
  EXPECT_EQ(parse_error("nats://h:4222/a*b.c>d"), "");  // not whole tokens: literal
}

// A bad address fails at startup, not at every event after -hook-timeout;
// the credentials stay out of the message.
TEST(NatsTarget, ServerAddressesChecked) {
  for (const char* bad : {"nats://127.0.0.1:99999/a", "nats://:4222/a", "nats://h:x/a",
                          "nats://h:0/a", "nats://n1:4222,n2:70000/a"})
    EXPECT_NE(parse_error(bad), "") << bad;
  const std::string hidden = parse_error("nats://user:s3cret@h:99999/a");
  EXPECT_NE(hidden.find("99999"), std::string::npos) << hidden;
  EXPECT_EQ(hidden.find("s3cret"), std::string::npos) << hidden;
  for (const char* good : {"nats://h/a", "nats://h:4222/a", "tls://u:p@h:4222/a",
                           "nats://[::1]:4222/a", "nats://[::1]/a"})
    EXPECT_EQ(parse_error(good), "") << good;
}

// What an existing stream captures, NATS wildcards included.
TEST(NatsSubjectCovers, Wildcards) {
  EXPECT_TRUE(nats_subject_covers("stops", "stops"));
  EXPECT_TRUE(nats_subject_covers("all.*", "all.*"));
  EXPECT_TRUE(nats_subject_covers("all.*", "all.publish_start"));
  EXPECT_TRUE(nats_subject_covers("rtmp.>", "rtmp.*.x"));
  EXPECT_TRUE(nats_subject_covers(">", "a"));
  EXPECT_FALSE(nats_subject_covers("all.*", "stops"));
  EXPECT_FALSE(nats_subject_covers("all.*", "all.a.b"));
  EXPECT_FALSE(nats_subject_covers("all.x", "all.*"));  // only x of what the hook sends
  EXPECT_FALSE(nats_subject_covers("rtmp.>", "rtmp"));
  EXPECT_FALSE(nats_subject_covers("a.b", "a"));
}

// A value stays one subject token whatever it holds.
TEST(NatsSubject, PlaceholdersReplacedAndSanitized) {
  EXPECT_EQ(nats_subject("rtmp.{node}.{type}", "publish_start", "edge-1"),
            "rtmp.edge-1.publish_start");
  EXPECT_EQ(nats_subject("n.{node}", "x", "a.b*c>d e"), "n.a_b_c_d_e");
  EXPECT_EQ(nats_subject("n.{node}", "x", ""), "n._");
  EXPECT_EQ(nats_subject("fixed.subject", "x", "y"), "fixed.subject");
}

TEST(NatsFilter, PlaceholderTokensBecomeWildcards) {
  EXPECT_EQ(nats_filter("rtmp.events.{type}"), "rtmp.events.*");
  EXPECT_EQ(nats_filter("live.{node}.{type}"), "live.*.*");
  EXPECT_EQ(nats_filter("live.n-{node}.x"), "live.*.x");
  EXPECT_EQ(nats_filter("fixed"), "fixed");
}

// Hooks publishing one event to one stream under different targets would
// share a Nats-Msg-Id: those are told apart by subject; the rest keep the id.
TEST(NatsMsgId, HooksSharingAnEventOnOneStreamAreToldApart) {
  const HookKind kind = hook_kind("nats");
  auto spec = [&](const std::string& pair) { return parse_hook_spec(kind, pair); };
  const std::string all = "nats://n1:4222/rtmp.all.{type}";
  const std::string starts = "nats://n1:4222/rtmp.starts";
  const std::string stops = "nats://n1:4222/rtmp.stops";
  const std::string other = "nats://n2:4222/rtmp.starts";
  EXPECT_EQ(nats_hooks_sharing_events({spec("*=" + all), spec("publish_start=" + starts),
                                       spec("publish_start=" + other)}),
            (std::set<std::string>{all, starts}));
  // Different events, or another cluster, or the same target twice: nothing shared.
  EXPECT_TRUE(
      nats_hooks_sharing_events({spec("publish_start=" + starts), spec("publish_stop=" + stops)})
          .empty());
  EXPECT_TRUE(nats_hooks_sharing_events({spec("*=" + starts), spec("*=" + other)}).empty());
  EXPECT_TRUE(nats_hooks_sharing_events({spec("*=" + all), spec("publish_start=" + all)}).empty());
}

}  // namespace
}  // namespace rtmp::dispatcher
