#include "dispatcher/options.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace rtmp::dispatcher {
namespace {

using common::FlagError;
using common::FlagSet;

struct Parsed {
  Options options;
  FlagSet flags{"rtmp-dispatcher", "RTMP_DISPATCHER_"};
  Parsed() {
    register_dispatcher_flags(flags, options);
    register_hook_flags(flags, options);
  }
  void parse(std::vector<const char*> args) {
    args.insert(args.begin(), "rtmp-dispatcher");
    flags.parse(static_cast<int>(args.size()), args.data());
    apply_connect_default(options);
  }
};

std::string error_of(std::vector<const char*> args) {
  Parsed p;
  try {
    p.parse(args);
  } catch (const FlagError& e) {
    return e.what();
  }
  return "";
}

// One dispatcher, several ingests: repeated, comma-separated, or both; a
// repeat is one endpoint.
TEST(Options, EventsConnectRepeatedAndCommaSeparated) {
  Parsed p;
  p.parse({"-events-connect", "tcp://a:5556,tcp://b:5556", "-events-connect", "tcp://c:5556",
           "-events-connect", " tcp://b:5556 ,"});
  EXPECT_EQ(p.options.events_connect,
            (std::vector<std::string>{"tcp://a:5556", "tcp://b:5556", "tcp://c:5556"}));
  EXPECT_NE(error_of({"-events-connect", "tcp://a:5556,b:5556"}).find("-events-connect"),
            std::string::npos);
}

TEST(Options, Defaults) {
  Parsed p;
  p.parse({});
  EXPECT_EQ(p.options.events_connect, std::vector<std::string>{"tcp://127.0.0.1:5556"});
  EXPECT_EQ(p.options.hook_timeout, std::chrono::seconds(30));
  EXPECT_EQ(p.options.hook_concurrency, 10);
  EXPECT_EQ(p.options.hook_queue, 10000);
  EXPECT_EQ(p.options.webhook_retries, 3);
  EXPECT_EQ(p.options.stdio_format, "");
  EXPECT_TRUE(p.options.hook_pairs["webhook"].empty());
}

TEST(Options, ParsesEveryFlagInEveryForm) {
  Parsed p;
  p.parse({"-events-connect", "tcp://a:1", "--events-connect=tcp://b:2", "-hook-webhook",
           "publish_start=http://h/x", "-hook-webhook=*=https://h/all", "-hook-script",
           "publish_stop=/bin/true", "-hook-stdio-format", "env", "-hook-timeout", "1m30s",
           "-hook-concurrency=3", "-hook-queue", "50", "-webhook-secret", "s3cret",
           "-webhook-retries", "0"});
  const Options& o = p.options;
  EXPECT_EQ(o.events_connect, (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_EQ(o.hook_pairs.at("webhook"),
            (std::vector<std::string>{"publish_start=http://h/x", "*=https://h/all"}));
  EXPECT_EQ(o.hook_pairs.at("script"), std::vector<std::string>{"publish_stop=/bin/true"});
  EXPECT_EQ(o.stdio_format, "env");
  EXPECT_EQ(o.hook_timeout, std::chrono::seconds(90));
  EXPECT_EQ(o.hook_concurrency, 3);
  EXPECT_EQ(o.hook_queue, 50);
  EXPECT_EQ(o.webhook_secret, "s3cret");
  EXPECT_EQ(o.webhook_retries, 0);
  const auto specs = hook_specs(o);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].event, rtmphooks::PUBLISH_START);
  EXPECT_FALSE(specs[1].event);  // "*"
  EXPECT_EQ(specs[1].target, "https://h/all");
  EXPECT_EQ(specs[2].kind, hook_kind("script"));
}

TEST(Options, TargetMayContainEquals) {
  Parsed p;
  p.parse({"-hook-webhook", "play_start=http://h/x?a=b&c=d"});
  EXPECT_EQ(hook_specs(p.options)[0].target, "http://h/x?a=b&c=d");
}

TEST(Options, BadPairsAreOneLineErrorsNamingTheFlag) {
  const std::string bad_name = error_of({"-hook-webhook", "publish_strat=http://h/"});
  EXPECT_EQ(bad_name.rfind("invalid value \"publish_strat=http://h/\" for flag -hook-webhook: "
                           "unknown event type \"publish_strat\" (want one of connection_accept, "
                           "handshake_complete, stream_create,",
                           0),
            0u)
      << bad_name;
  EXPECT_NE(bad_name.find(", or * for every event)"), std::string::npos) << bad_name;
  EXPECT_NE(error_of({"-hook-script", "publish_start"}).find("want event_type="),
            std::string::npos);
  EXPECT_NE(error_of({"-hook-script", "publish_start="}).find("missing target"), std::string::npos);
  EXPECT_NE(error_of({"-hook-script", "=/bin/true"}).find("missing event type"), std::string::npos);
  EXPECT_NE(error_of({"-hook-webhook", "publish_start=/not/a/url"}).find("http://"),
            std::string::npos);
  for (const char* never :
       {"*=http://", "*=http:///path", "*=https://?q", "*=http://x y/", "*=http://127.0.0.1:99999/",
        "*=http://h:0/", "*=http://h:abc/", "*=http://[::1/"}) {
    const std::string err = error_of({"-hook-webhook", never});
    EXPECT_NE(err.find("-hook-webhook"), std::string::npos) << never << ": " << err;
    EXPECT_NE(err.find("webhook URL"), std::string::npos) << never << ": " << err;
  }
  for (const char* fine :
       {"*=http://h", "*=HTTP://h/", "*=Https://h/", "*=http://u:p%40w@h:8080/x?token=1#f",
        "*=https://[::1]:1/", "*=http://\xc3\xa9t\xc3\xa9.example/"})
    EXPECT_EQ(error_of({"-hook-webhook", fine}), "") << fine;
  EXPECT_NE(error_of({"-hook-stdio-format", "xml"}).find("-hook-stdio-format"), std::string::npos);
  EXPECT_NE(error_of({"-hook-concurrency", "0"}).find("-hook-concurrency"), std::string::npos);
  EXPECT_NE(error_of({"-hook-timeout", "soon"}).find("-hook-timeout"), std::string::npos);
  EXPECT_NE(error_of({"-webhook-secret", "whsec_!!!"}).find("-webhook-secret"), std::string::npos);
  EXPECT_NE(error_of({"-webhook-secret", ""}).find("empty key"), std::string::npos);
  EXPECT_NE(error_of({"-webhook-secret", "whsec_"}).find("empty key"), std::string::npos);
  // An unknown event name lists the valid ones.
  const std::string unknown = error_of({"-hook-webhook", "publish_strat=http://h/"});
  EXPECT_NE(unknown.find("publish_start, publish_stop"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("connection_close"), std::string::npos) << unknown;
  EXPECT_NE(error_of({"-events-connect", "localhost"}).find("-events-connect"), std::string::npos);
  for (const auto& err : {error_of({"-hook-webhook", "x=y"}), error_of({"-hook-script", "a"})})
    EXPECT_EQ(err.find('\n'), std::string::npos);
}

// Endpoints are checked while parsing: one line naming the flag and the value.
TEST(Options, BadEndpointsAreErrorsNamingTheFlag) {
  for (const char* bad : {"tcp://127.0.0.1", "udp://h:1", "tcp://h:99999", "tcp://h:x", ",",
                          "h:5556", "inproc://e", "ipc://"}) {
    const std::string err = error_of({"-events-connect", bad});
    EXPECT_NE(err.find("-events-connect"), std::string::npos) << bad << ": " << err;
  }
  for (const char* good : {"tcp://h:5556", "tcp://[::1]:5556", "ipc:///tmp/x"})
    EXPECT_EQ(error_of({"-events-connect", good}), "") << good;
}

// What parsing alone cannot tell: checked after it, each naming its flag.
TEST(Options, ChecksAfterParsing) {
  const auto check_error = [](std::vector<const char*> args) -> std::string {
    Parsed p;
    p.parse(args);
    try {
      check_hook_options(p.options);
    } catch (const FlagError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(check_error({}), "");
  EXPECT_NE(check_error({"-webhook-ca-file", "/nonexistent/ca.pem"}).find("-webhook-ca-file"),
            std::string::npos);
  for (const char* bad : {"a.b", "", "a b", "a*", "a>"})
    EXPECT_NE(check_error({"-nats-stream", bad}).find("-nats-stream"), std::string::npos) << bad;
  EXPECT_EQ(check_error({"-nats-stream", "RTMP_EVENTS-2"}), "");
}

TEST(Options, EveryEventNameIsAccepted) {
  for (const char* name :
       {"connection_accept", "handshake_complete", "stream_create",  "stream_delete",
        "publish_start",     "publish_stop",       "play_start",     "play_stop",
        "codec_detected",    "subscriber_count",   "auth_failed",    "connection_close",
        "recording_start",   "segment_complete",   "recording_stop", "relay_start",
        "relay_stop",        "relay_error",        "stream_stats",   "*"}) {
    EXPECT_NO_THROW(parse_hook_spec(hook_kind("script"), std::string(name) + "=/bin/true")) << name;
  }
}

TEST(Options, EnvironmentFillsUnsetFlagsAndCommandLineWins) {
  ::setenv("RTMP_DISPATCHER_HOOK_SCRIPT", "publish_start=/bin/a,publish_stop=/bin/b", 1);
  ::setenv("RTMP_DISPATCHER_HOOK_CONCURRENCY", "7", 1);
  Parsed p;
  p.parse({"-hook-concurrency", "2"});
  ::unsetenv("RTMP_DISPATCHER_HOOK_SCRIPT");
  ::unsetenv("RTMP_DISPATCHER_HOOK_CONCURRENCY");
  EXPECT_EQ(p.options.hook_pairs["script"],
            (std::vector<std::string>{"publish_start=/bin/a", "publish_stop=/bin/b"}));
  EXPECT_EQ(p.options.hook_concurrency, 2);
}

TEST(Options, BadEnvironmentValueIsAnError) {
  ::setenv("RTMP_DISPATCHER_HOOK_WEBHOOK", "nope=http://h/", 1);
  const std::string err = error_of({});
  ::unsetenv("RTMP_DISPATCHER_HOOK_WEBHOOK");
  EXPECT_NE(err.find("unknown event type"), std::string::npos);
  EXPECT_NE(err.find("RTMP_DISPATCHER_HOOK_WEBHOOK"), std::string::npos);
}

TEST(Options, WebhookThreadsDefaultToTwoAtMostAndNeverExceedConcurrency) {
  Parsed p;
  p.parse({});
  EXPECT_EQ(p.options.webhook_threads, 0);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(webhook_loop_count(p.options), std::min(2, cores));
  Parsed q;
  q.parse({"-webhook-threads", "5", "-hook-concurrency", "3"});
  EXPECT_EQ(q.options.webhook_threads, 5);
  EXPECT_EQ(webhook_loop_count(q.options), 3);
  Parsed r;
  r.parse({"-webhook-threads=4"});
  EXPECT_EQ(webhook_loop_count(r.options), 4);
  Parsed one;
  one.parse({"-hook-concurrency", "1"});
  EXPECT_EQ(webhook_loop_count(one.options), 1);
  EXPECT_NE(error_of({"-webhook-threads", "-1"}).find("-webhook-threads"), std::string::npos);
  EXPECT_NE(error_of({"-webhook-threads", "65"}).find("-webhook-threads"), std::string::npos);
}

TEST(Options, HookSpecsRejectBadPairsGivenInCode) {
  Options o;
  o.hook_pairs["script"] = {"bogus=/bin/true"};
  EXPECT_THROW(hook_specs(o), FlagError);
}

}  // namespace
}  // namespace rtmp::dispatcher
