// common/duration: Go's duration syntax for every duration flag, and the form
// -help prints defaults in.
#include "common/duration.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace rtmp::common {
namespace {

using namespace std::chrono_literals;

struct Case {
  const char* text;
  Duration want;
};

void expect_parses(std::initializer_list<Case> cases) {
  for (const Case& c : cases) EXPECT_EQ(parse_duration(c.text), c.want) << '"' << c.text << '"';
}

TEST(Duration, ParsesSingleUnits) {
  expect_parses({{"500ms", 500ms}, {"30s", 30s}, {"2m", 2min}, {"2h", 2h}});
}

TEST(Duration, ParsesSequences) {
  expect_parses({{"1m30s", 90s}, {"1h2m3s4ms", 1h + 2min + 3s + 4ms}, {"1s500ms", 1500ms}});
}

TEST(Duration, ParsesFractions) {
  expect_parses({{"1.5s", 1500ms}, {"0.25h", 15min}, {".5s", 500ms}});
}

// A non-zero value below a millisecond is 1ms, never 0 (which some flags read as "off").
TEST(Duration, SubMillisecondUnitsRoundToMilliseconds) {
  expect_parses({{"1500us", 2ms},
                 {"1500µs", 2ms},
                 {"2000000ns", 2ms},
                 {"400us", 1ms},
                 {"1ns", 1ms},
                 {"0.0001s", 1ms},
                 {"0us", 0ms}});
}

TEST(Duration, BareZeroIsZero) {
  expect_parses({{"0", 0ms}, {"0s", 0ms}});
}

TEST(Duration, RefusesMalformed) {
  for (const char* bad : {"", "30", "s", "ms30", "1x", "1m30", "-1s", "+1s", " 1s", "1s ", "1..5s",
                          "1e3s", "1S", "1sec", "nan", "inf", "1d"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(Duration, RefusesAbsurdlyLarge) {
  EXPECT_EQ(parse_duration("99999999999999999999h"), std::nullopt);
}

// Compact like Go's, without Go's zero units ("2h", not "2h0m0s"): -help defaults.
TEST(Duration, FormatsCompactly) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(500ms), "500ms");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(2h), "2h");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(1h + 1ms), "1h0.001s");
}

TEST(Duration, FormatThenParseRoundTrips) {
  for (Duration d : {Duration(0ms), Duration(1ms), Duration(999ms), Duration(1s), Duration(61500ms),
                     Duration(3h + 7min + 2s + 5ms)}) {
    EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
  }
}

}  // namespace
}  // namespace rtmp::common
