// common/flags: the Go-style command line both programs share, its
// environment fallback, and the one-line errors that make them exit 2.
#include "common/flags.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace rtmp::common {
namespace {

using namespace std::chrono_literals;

// Variables of a prefix no real program uses, cleared before and after each test.
constexpr const char* kPrefix = "RTMP_FLAGSTEST_";
const char* const kVariables[] = {"RTMP_FLAGSTEST_LISTEN", "RTMP_FLAGSTEST_CHUNK_SIZE",
                                  "RTMP_FLAGSTEST_HOOK_WEBHOOK", "RTMP_FLAGSTEST_HOOK_TIMEOUT",
                                  "RTMP_FLAGSTEST_VERBOSE"};

struct Options {
  std::string listen;
  int64_t chunk_size = 0;
  std::vector<std::string> webhooks;
  Duration hook_timeout{};
  std::string mode;
  bool verbose = false;
};

class Flags : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVariables) ::unsetenv(v);
    flags.add_string("listen", &o.listen, ":1935", "RTMP listen address");
    flags.add_int("chunk-size", &o.chunk_size, 4096, 128, 65536, "outgoing chunk size");
    flags.add_list("hook-webhook", &o.webhooks, "event_type=url", [](const std::string& v) {
      return v.find('=') == std::string::npos ? std::string("want event_type=url") : std::string();
    });
    flags.add_duration("hook-timeout", &o.hook_timeout, 30s, "longest run of one hook");
    flags.add_choice("mode", &o.mode, "none", {"none", "token"}, "auth mode");
    flags.add_bool("verbose", &o.verbose, false, "more output");
  }
  void TearDown() override {
    for (const char* v : kVariables) ::unsetenv(v);
  }

  // Parses argv (program name first); returns the FlagError text, "" when it parsed.
  std::string parse(std::vector<const char*> args) {
    args.insert(args.begin(), "rtmp-test");
    try {
      EXPECT_TRUE(flags.parse(static_cast<int>(args.size()), args.data()));
      return "";
    } catch (const FlagError& e) {
      return e.what();
    }
  }

  Options o;
  FlagSet flags{"rtmp-test", kPrefix};
};

TEST_F(Flags, DefaultsWithoutArguments) {
  EXPECT_EQ(parse({}), "");
  EXPECT_EQ(o.listen, ":1935");
  EXPECT_EQ(o.chunk_size, 4096);
  EXPECT_TRUE(o.webhooks.empty());
  EXPECT_EQ(o.hook_timeout, 30s);
  EXPECT_EQ(o.mode, "none");
  EXPECT_FALSE(o.verbose);
  EXPECT_FALSE(flags.was_set("listen"));
}

TEST_F(Flags, BooleanTakesAFollowingLiteral) {
  EXPECT_EQ(parse({"-verbose", "true", "-listen", ":1"}), "");
  EXPECT_TRUE(o.verbose);
  EXPECT_EQ(o.listen, ":1");
  o.verbose = true;
  EXPECT_EQ(parse({"-verbose", "false"}), "");
  EXPECT_FALSE(o.verbose);
  // Anything else after a boolean is not its value.
  EXPECT_NE(parse({"-verbose", "yes"}), "");
}

TEST_F(Flags, SpaceSeparatedValue) {
  EXPECT_EQ(parse({"-listen", "127.0.0.1:1936", "-chunk-size", "8192"}), "");
  EXPECT_EQ(o.listen, "127.0.0.1:1936");
  EXPECT_EQ(o.chunk_size, 8192);
  EXPECT_TRUE(flags.was_set("listen"));
}

TEST_F(Flags, EqualsValue) {
  EXPECT_EQ(parse({"-listen=:2000", "-hook-timeout=1m30s"}), "");
  EXPECT_EQ(o.listen, ":2000");
  EXPECT_EQ(o.hook_timeout, 90s);
}

TEST_F(Flags, DoubleDashForms) {
  EXPECT_EQ(parse({"--listen", ":2001", "--chunk-size=256"}), "");
  EXPECT_EQ(o.listen, ":2001");
  EXPECT_EQ(o.chunk_size, 256);
}

TEST_F(Flags, ValueMayContainEqualsAndStartWithDash) {
  EXPECT_EQ(parse({"-hook-webhook", "*=http://h/x?a=b", "-listen", "-weird"}), "");
  EXPECT_EQ(o.webhooks, (std::vector<std::string>{"*=http://h/x?a=b"}));
  EXPECT_EQ(o.listen, "-weird");
}

TEST_F(Flags, RepeatableFlagKeepsEveryValueInOrder) {
  EXPECT_EQ(parse({"-hook-webhook", "a=http://1", "--hook-webhook=b=http://2", "-hook-webhook",
                   "c=http://3"}),
            "");
  EXPECT_EQ(o.webhooks, (std::vector<std::string>{"a=http://1", "b=http://2", "c=http://3"}));
}

TEST_F(Flags, LaterValueOfASingleFlagWins) {
  EXPECT_EQ(parse({"-chunk-size", "200", "-chunk-size", "300"}), "");
  EXPECT_EQ(o.chunk_size, 300);
}

TEST_F(Flags, BoolFlagNeedsNoValue) {
  EXPECT_EQ(parse({"-verbose", "-listen", ":1"}), "");
  EXPECT_TRUE(o.verbose);
  EXPECT_EQ(o.listen, ":1");
}

TEST_F(Flags, BoolFlagTakesAnExplicitValue) {
  EXPECT_EQ(parse({"-verbose=false"}), "");
  EXPECT_FALSE(o.verbose);
  EXPECT_EQ(parse({"-verbose=maybe"}), "invalid value \"maybe\" for flag -verbose: not a boolean");
}

TEST_F(Flags, EnvironmentFallback) {
  ::setenv("RTMP_FLAGSTEST_LISTEN", ":3000", 1);
  ::setenv("RTMP_FLAGSTEST_CHUNK_SIZE", "1024", 1);
  ::setenv("RTMP_FLAGSTEST_HOOK_TIMEOUT", "500ms", 1);
  EXPECT_EQ(parse({}), "");
  EXPECT_EQ(o.listen, ":3000");
  EXPECT_EQ(o.chunk_size, 1024);
  EXPECT_EQ(o.hook_timeout, 500ms);
  EXPECT_TRUE(flags.was_set("listen"));
}

TEST_F(Flags, EnvironmentNameIsPrefixUpperCaseWithUnderscores) {
  EXPECT_EQ(flags.env_name("hook-webhook"), "RTMP_FLAGSTEST_HOOK_WEBHOOK");
  EXPECT_EQ(FlagSet("rtmp-ingest", "RTMP_INGEST_").env_name("events-bind"),
            "RTMP_INGEST_EVENTS_BIND");
}

TEST_F(Flags, RepeatableFromEnvironmentSplitsOnCommasAndNewlines) {
  ::setenv("RTMP_FLAGSTEST_HOOK_WEBHOOK", "a=http://1,b=http://2\nc=http://3\n", 1);
  EXPECT_EQ(parse({}), "");
  EXPECT_EQ(o.webhooks, (std::vector<std::string>{"a=http://1", "b=http://2", "c=http://3"}));
}

TEST_F(Flags, CommandLineWinsOverEnvironment) {
  ::setenv("RTMP_FLAGSTEST_LISTEN", ":3000", 1);
  ::setenv("RTMP_FLAGSTEST_HOOK_WEBHOOK", "env=http://env", 1);
  EXPECT_EQ(parse({"-listen", ":4000", "-hook-webhook", "cli=http://cli"}), "");
  EXPECT_EQ(o.listen, ":4000");
  // The variable of a repeatable flag given on the command line is not added.
  EXPECT_EQ(o.webhooks, (std::vector<std::string>{"cli=http://cli"}));
}

TEST_F(Flags, CommandLineWinsEvenOverABadEnvironmentValue) {
  ::setenv("RTMP_FLAGSTEST_CHUNK_SIZE", "lots", 1);
  EXPECT_EQ(parse({"-chunk-size", "512"}), "");
  EXPECT_EQ(o.chunk_size, 512);
}

TEST_F(Flags, BadIntegerNamesTheFlag) {
  EXPECT_EQ(parse({"-chunk-size", "big"}),
            "invalid value \"big\" for flag -chunk-size: not an integer");
  EXPECT_EQ(parse({"-chunk-size", "12x"}),
            "invalid value \"12x\" for flag -chunk-size: not an integer");
}

TEST_F(Flags, OutOfRangeIntegerNamesTheFlagAndRange) {
  EXPECT_EQ(parse({"-chunk-size", "100"}),
            "invalid value \"100\" for flag -chunk-size: must be 128..65536");
  EXPECT_EQ(parse({"-chunk-size=99999999999999999999"}),
            "invalid value \"99999999999999999999\" for flag -chunk-size: not an integer");
}

TEST_F(Flags, BadDurationNamesTheFlag) {
  EXPECT_EQ(parse({"-hook-timeout", "30"}),
            "invalid value \"30\" for flag -hook-timeout: not a duration (e.g. 500ms, 30s, 2m)");
}

// A timeout past what a deadline can hold wrapped and fired at once
// ("-hook-timeout 2562048h": every webhook "timed out before attempt").
TEST_F(Flags, DurationAboveTheLongestIsRefused) {
  EXPECT_EQ(parse({"-hook-timeout", "2562048h"}),
            "invalid value \"2562048h\" for flag -hook-timeout: above 1000000h, the longest "
            "duration taken");
  EXPECT_EQ(parse({"-hook-timeout", "1000000h"}), "");
}

TEST(FlagsDuration, ChecksRefuseZeroOrTinyPeriods) {
  Duration timeout{}, period{};
  FlagSet flags("rtmp-test", kPrefix);
  flags.add_duration("write-timeout", &timeout, 30s, "a timeout", FlagSet::above_zero());
  flags.add_duration("stats-interval", &period, 0s, "a period",
                     FlagSet::zero_or_at_least(std::chrono::milliseconds(100)));
  const auto parse = [&flags](std::vector<const char*> args) -> std::string {
    args.insert(args.begin(), "rtmp-test");
    try {
      flags.parse(static_cast<int>(args.size()), args.data());
      return "";
    } catch (const FlagError& e) {
      return e.what();
    }
  };
  EXPECT_EQ(parse({"-write-timeout", "0"}),
            "invalid value \"0\" for flag -write-timeout: must be above 0");
  EXPECT_EQ(parse({"-stats-interval", "50ms"}),
            "invalid value \"50ms\" for flag -stats-interval: below 100ms (0 = off)");
  // Sub-millisecond values are neither 0 nor "off"; the value shown is the one typed.
  EXPECT_EQ(parse({"-stats-interval", "100us"}),
            "invalid value \"100us\" for flag -stats-interval: below 100ms (0 = off)");
  EXPECT_EQ(parse({"-write-timeout", "1us"}), "");
  EXPECT_EQ(timeout, 1ms);
  // From the environment, the line says so.
  ::setenv("RTMP_FLAGSTEST_WRITE_TIMEOUT", "0", 1);
  const std::string from_env = parse({});
  ::unsetenv("RTMP_FLAGSTEST_WRITE_TIMEOUT");
  EXPECT_NE(from_env.find("must be above 0"), std::string::npos) << from_env;
  EXPECT_NE(from_env.find("$RTMP_FLAGSTEST_WRITE_TIMEOUT"), std::string::npos) << from_env;
  EXPECT_EQ(parse({"-write-timeout", "1s", "-stats-interval", "0"}), "");
  EXPECT_EQ(timeout, 1s);
  EXPECT_EQ(parse({"-stats-interval", "100ms"}), "");
  EXPECT_EQ(period, std::chrono::milliseconds(100));
}

TEST_F(Flags, BadChoiceListsTheChoices) {
  EXPECT_EQ(parse({"-mode", "magic"}),
            "invalid value \"magic\" for flag -mode: must be one of none, token");
}

TEST_F(Flags, ValidatorRefusalNamesTheFlag) {
  EXPECT_EQ(parse({"-hook-webhook", "nourl"}),
            "invalid value \"nourl\" for flag -hook-webhook: want event_type=url");
}

TEST_F(Flags, BadEnvironmentValueNamesTheFlagAndTheVariable) {
  ::setenv("RTMP_FLAGSTEST_CHUNK_SIZE", "lots", 1);
  EXPECT_EQ(parse({}),
            "invalid value \"lots\" for flag -chunk-size: not an integer "
            "(from $RTMP_FLAGSTEST_CHUNK_SIZE)");
}

TEST_F(Flags, UnknownFlag) {
  EXPECT_EQ(parse({"-lisen", ":1"}), "flag provided but not defined: -lisen");
}

TEST_F(Flags, MissingValue) {
  EXPECT_EQ(parse({"-listen"}), "flag needs an argument: -listen");
}

TEST_F(Flags, StrayArgument) {
  EXPECT_EQ(parse({"listen"}), "unexpected argument: listen");
  EXPECT_EQ(parse({"--", "x"}), "unexpected argument: x");
}

// A word after a boolean flag that is not true/false: the error names the
// flag and how its value is given (it named the word alone).
TEST_F(Flags, StrayWordAfterABooleanNamesTheFlag) {
  const std::string error = parse({"-verbose", "maybe"});
  EXPECT_NE(error.find("unexpected argument: maybe"), std::string::npos) << error;
  EXPECT_NE(error.find("-verbose=false"), std::string::npos) << error;
}

TEST_F(Flags, ErrorsAreOneLine) {
  for (const auto& args : std::vector<std::vector<const char*>>{
           {"-chunk-size", "x"}, {"-nope"}, {"-listen"}, {"-hook-timeout", "1y"}}) {
    const std::string error = parse(args);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST_F(Flags, HelpPrintsNothingParsedAndReturnsFalse) {
  const char* argv[] = {"rtmp-test", "-help"};
  ::testing::internal::CaptureStdout();
  EXPECT_FALSE(flags.parse(2, argv));
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("Usage of rtmp-test:"), std::string::npos);
}

TEST_F(Flags, UsageListsEveryFlagWithDefaultAndVariable) {
  std::ostringstream out;
  flags.print_usage(out);
  const std::string usage = out.str();
  for (const std::string& name : flags.names()) {
    EXPECT_NE(usage.find("  -" + name), std::string::npos) << name;
    EXPECT_NE(usage.find("env " + flags.env_name(name)), std::string::npos) << name;
  }
  EXPECT_NE(usage.find("RTMP listen address (default :1935)"), std::string::npos) << usage;
  EXPECT_NE(usage.find("(default 30s)"), std::string::npos) << usage;
  EXPECT_NE(usage.find("event_type=url (repeatable)"), std::string::npos) << usage;
  EXPECT_NE(usage.find("auth mode (none, token) (default none)"), std::string::npos) << usage;
}

TEST(OrphanFlags, NamesEverySetFlagOrNothing) {
  EXPECT_NO_THROW(refuse_orphan_flags({{false, "-a"}, {false, "-b"}}, "-x", "x is off"));
  try {
    refuse_orphan_flags({{true, "-a"}, {false, "-b"}, {true, "-c"}}, "-x", "x is off");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "-a, -c set without -x (x is off)");
  }
}

TEST(FlagsExit, BadFlagExitsTwoWithOneLine) {
  FlagSet flags("rtmp-test", kPrefix);
  int64_t n = 0;
  flags.add_int("n", &n, 1, 0, 9, "a number");
  const char* argv[] = {"rtmp-test", "-n", "10"};
  EXPECT_EXIT(parse_flags_or_exit(flags, 3, argv), ::testing::ExitedWithCode(2),
              "invalid value \"10\" for flag -n: must be 0\\.\\.9");
}

TEST(FlagsExit, HelpExitsZero) {
  FlagSet flags("rtmp-test", kPrefix);
  const char* argv[] = {"rtmp-test", "-h"};
  EXPECT_EXIT(parse_flags_or_exit(flags, 2, argv), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace rtmp::common
