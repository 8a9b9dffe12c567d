#include "common/metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::common::metrics {
namespace {

TEST(Metrics, RendersExpositionFormatExactly) {
  Registry reg;
  reg.counter("rtmp_test_events_total", "Events emitted.").inc(3);
  reg.counter("rtmp_test_hook_runs_total", "Hook runs by kind.", {{"kind", "webhook"}}).inc(2);
  reg.counter("rtmp_test_hook_runs_total", "Hook runs by kind.", {{"kind", "shell"}});
  Gauge& conns = reg.gauge("rtmp_test_connections", "Open connections.");
  conns.inc(5);
  conns.dec(2);
  reg.gauge_callback("rtmp_test_queue_depth", "Waiting runs.\nSecond \\ line.", [] { return 7.5; });
  Histogram& h = reg.histogram("rtmp_test_duration_seconds", "Run time.", {0.1, 1, 2.5},
                               {{"kind", "webhook"}});
  h.observe(0.05);
  h.observe(0.1);  // bounds are inclusive
  h.observe(0.5);
  h.observe(30);

  EXPECT_EQ(reg.render(),
            "# HELP rtmp_test_events_total Events emitted.\n"
            "# TYPE rtmp_test_events_total counter\n"
            "rtmp_test_events_total 3\n"
            "# HELP rtmp_test_hook_runs_total Hook runs by kind.\n"
            "# TYPE rtmp_test_hook_runs_total counter\n"
            "rtmp_test_hook_runs_total{kind=\"webhook\"} 2\n"
            "rtmp_test_hook_runs_total{kind=\"shell\"} 0\n"
            "# HELP rtmp_test_connections Open connections.\n"
            "# TYPE rtmp_test_connections gauge\n"
            "rtmp_test_connections 3\n"
            "# HELP rtmp_test_queue_depth Waiting runs.\\nSecond \\\\ line.\n"
            "# TYPE rtmp_test_queue_depth gauge\n"
            "rtmp_test_queue_depth 7.5\n"
            "# HELP rtmp_test_duration_seconds Run time.\n"
            "# TYPE rtmp_test_duration_seconds histogram\n"
            "rtmp_test_duration_seconds_bucket{kind=\"webhook\",le=\"0.1\"} 2\n"
            "rtmp_test_duration_seconds_bucket{kind=\"webhook\",le=\"1\"} 3\n"
            "rtmp_test_duration_seconds_bucket{kind=\"webhook\",le=\"2.5\"} 3\n"
            "rtmp_test_duration_seconds_bucket{kind=\"webhook\",le=\"+Inf\"} 4\n"
            "rtmp_test_duration_seconds_sum{kind=\"webhook\"} 30.65\n"
            "rtmp_test_duration_seconds_count{kind=\"webhook\"} 4\n");
}

TEST(Metrics, EscapesLabelValuesAndSpecialFloats) {
  Registry reg;
  reg.gauge("g", "h", {{"path", "a\"b\\c\nd"}}).set(-4);
  reg.gauge_callback("nan_gauge", "h", [] { return std::numeric_limits<double>::quiet_NaN(); });
  reg.gauge_callback("inf_gauge", "h", [] { return -std::numeric_limits<double>::infinity(); });
  std::string out = reg.render();
  EXPECT_NE(out.find("g{path=\"a\\\"b\\\\c\\nd\"} -4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("nan_gauge NaN\n"), std::string::npos) << out;
  EXPECT_NE(out.find("inf_gauge -Inf\n"), std::string::npos) << out;
}

TEST(Metrics, SameNameAndLabelsReturnTheSameMetric) {
  Registry reg;
  Counter& a = reg.counter("x_total", "h", {{"kind", "a"}});
  Counter& a2 = reg.counter("x_total", "h", {{"kind", "a"}});
  Counter& b = reg.counter("x_total", "h", {{"kind", "b"}});
  EXPECT_EQ(&a, &a2);
  EXPECT_NE(&a, &b);
  // References survive many later registrations.
  for (int i = 0; i < 1000; ++i) reg.counter("y_total", "h", {{"i", std::to_string(i)}});
  a.inc();
  EXPECT_EQ(a2.value(), 1u);
}

TEST(Metrics, RejectsBadRegistrations) {
  Registry reg;
  reg.counter("dup", "h");
  EXPECT_THROW(reg.gauge("dup", "h"), std::invalid_argument);
  EXPECT_THROW(reg.counter("1bad", "h"), std::invalid_argument);
  EXPECT_THROW(reg.counter("bad-name", "h"), std::invalid_argument);
  EXPECT_THROW(reg.counter("ok_total", "h", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("ok_total", "h", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("ok_total", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("hist", "h", {1, 2}, {{"le", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("hist", "h", {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("hist", "h", {1, 1}), std::invalid_argument);
  reg.gauge("plain", "h");
  EXPECT_THROW(reg.gauge_callback("plain", "h", [] { return 1.0; }), std::invalid_argument);
  // A failed registration leaves nothing half-registered.
  EXPECT_EQ(reg.render().find("hist"), std::string::npos);
}

TEST(Metrics, ConcurrentUpdatesAreNeverLost) {
  Registry reg;
  Counter& c = reg.counter("c_total", "h");
  Gauge& g = reg.gauge("g", "h");
  Histogram& h = reg.histogram("h_seconds", "h", {0.5});
  constexpr int kThreads = 4;
  constexpr int kIterations = 50000;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) ASSERT_FALSE(reg.render().empty());
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        c.inc();
        g.inc(2);
        g.dec();
        h.observe(t % 2 ? 1.0 : 0.25);
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  scraper.join();
  EXPECT_EQ(c.value(), uint64_t{kThreads} * kIterations);
  EXPECT_EQ(g.value(), int64_t{kThreads} * kIterations);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, uint64_t{kThreads} * kIterations);
  EXPECT_EQ(s.cumulative[0], uint64_t{kThreads / 2} * kIterations);
  EXPECT_DOUBLE_EQ(s.sum, (kThreads / 2) * kIterations * 1.25);
}

constexpr const char* kNoPromtool =
    "promtool was not found when the build was configured (Debian package prometheus)";

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  // Per test and process: ctest runs the tests of this file in parallel.
  const std::string stem = ::testing::TempDir() + "metrics_test_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                           std::to_string(::getpid());
  std::string in = stem + "_input.txt";
  std::string out = stem + "_output.txt";
  std::ofstream(in) << text;
  std::string cmd = std::string(PROMTOOL_PATH) + " check metrics < " + in + " > " + out + " 2>&1";
  int status = std::system(cmd.c_str());
  std::ifstream result(out);
  std::string output((std::istreambuf_iterator<char>(result)), std::istreambuf_iterator<char>());
  std::remove(in.c_str());
  std::remove(out.c_str());
  return {status, output};
}

TEST(Metrics, PromtoolAcceptsRenderedRegistry) {
  if (std::string(PROMTOOL_PATH).empty()) GTEST_SKIP() << kNoPromtool;
  Registry reg;
  reg.counter("rtmp_test_bytes_received_total", "Bytes read.").inc(1830112);
  reg.counter("rtmp_test_hook_executions_total", "Hook runs.", {{"kind", "webhook"}}).inc();
  reg.counter("rtmp_test_hook_executions_total", "Hook runs.", {{"kind", "shell"}}).inc(2);
  reg.gauge("rtmp_test_connections", "Open \"RTMP\" connections\\sessions.").set(3);
  reg.gauge_callback("rtmp_test_queue_depth", "Waiting runs.", [] { return 0.0; });
  reg.counter_callback("rtmp_test_seq_gaps_total", "Gaps.", [] { return 2.0; });
  Histogram& h = reg.histogram("rtmp_test_hook_duration_seconds", "Hook run time.",
                               default_latency_buckets(), {{"kind", "webhook"}});
  h.observe(0.003);
  h.observe(42);
  auto [status, output] = promtool_check(reg.render());
  EXPECT_EQ(status, 0) << output << "\n" << reg.render();
}

// The check above can fail: promtool refuses a counter without _total.
TEST(Metrics, PromtoolRejectsLintErrors) {
  if (std::string(PROMTOOL_PATH).empty()) GTEST_SKIP() << kNoPromtool;
  Registry reg;
  reg.counter("rtmp_test_events", "No _total suffix.").inc();
  auto [status, output] = promtool_check(reg.render());
  EXPECT_NE(status, 0) << output;
}

}  // namespace
}  // namespace rtmp::common::metrics
