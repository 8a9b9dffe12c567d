#include "dispatcher/gap_report.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>

#include "common/metrics.hpp"
#include "dispatcher/dispatcher_metrics.hpp"

namespace rtmp::dispatcher {
namespace {

rtmphooks::Event event(const std::string& node, uint64_t seq) {
  rtmphooks::Event e;
  e.set_node(node);
  e.set_ingest_id(node + "-0123456789abcdef");
  e.set_seq(seq);
  e.set_id("evt-" + e.ingest_id() + "-" + std::to_string(seq));
  return e;
}

void add_lost(rtmphooks::Event& e, uint64_t first, uint64_t last) {
  rtmphooks::SeqRange* r = e.add_lost();
  r->set_first(first);
  r->set_last(last);
}

struct Fixture {
  common::metrics::Registry registry;
  std::atomic<uint64_t> missing{0};
  GapReport report{false, missing, node_counters_factory(registry)};

  uint64_t value(const std::string& name, const std::string& node) {
    return registry.counter(name, "", {{"node", node}}).value();
  }
};

// Per node: events, gaps and announced losses, each counted under its own label.
TEST(GapReport, CountsPerNode) {
  Fixture f;
  for (uint64_t s = 1; s <= 5; ++s) f.report.observe(event("edge-1", s));
  f.report.observe(event("edge-2", 1));
  f.report.observe(event("edge-2", 4));  // 2 and 3 went to another dispatcher, or were lost
  EXPECT_EQ(f.value("rtmp_dispatcher_node_events_total", "edge-1"), 5u);
  EXPECT_EQ(f.value("rtmp_dispatcher_node_events_total", "edge-2"), 2u);
  EXPECT_EQ(f.value("rtmp_dispatcher_node_seq_gaps_total", "edge-1"), 0u);
  EXPECT_EQ(f.value("rtmp_dispatcher_node_seq_gaps_total", "edge-2"), 2u);
  EXPECT_EQ(f.missing.load(), 2u);
  const std::string page = f.registry.render();
  EXPECT_NE(page.find(R"(rtmp_dispatcher_node_events_total{node="edge-1"} 5)"), std::string::npos)
      << page;
}

// An ingest whose buffer overflowed announces the seqs it dropped: counted as
// lost for its node, whatever ranges, once per announcement.
TEST(GapReport, CountsAnnouncedLosses) {
  Fixture f;
  rtmphooks::Event e = event("edge-1", 251);
  add_lost(e, 1, 250);
  f.report.observe(e);
  rtmphooks::Event later = event("edge-1", 300);
  add_lost(later, 260, 260);
  add_lost(later, 270, 279);
  add_lost(later, 5, 4);  // first > last: not a range, ignored
  f.report.observe(later);
  f.report.observe(event("edge-1", 301));
  EXPECT_EQ(f.value("rtmp_dispatcher_node_events_lost_total", "edge-1"), 261u);
  EXPECT_EQ(f.value("rtmp_dispatcher_node_events_total", "edge-1"), 3u);
}

TEST(GapReport, WorksWithoutMetrics) {
  std::atomic<uint64_t> missing{0};
  GapReport report(true, missing);
  rtmphooks::Event e = event("", 3);
  add_lost(e, 1, 2);
  report.observe(e);
  EXPECT_EQ(missing.load(), 2u);
}

// The default logger's lines, while it lives.
struct LogCapture {
  LogCapture() {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "gaps", std::make_shared<spdlog::sinks::ostream_sink_st>(out)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous); }
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  std::ostringstream out;
};

// Gap lines are limited to one per second; the gaps held back are told by
// summarize() once the second has passed, or at once at shutdown, not left
// for the next gap that may never come.
TEST(GapReport, TellsTheGapsItHeldBack) {
  LogCapture log;
  std::ostringstream& out = log.out;
  std::atomic<uint64_t> missing{0};
  GapReport report{true, missing};
  report.observe(event("edge-1", 1));
  report.observe(event("edge-1", 3));  // told at once
  report.observe(event("edge-1", 6));  // within the second: held back
  report.observe(event("edge-1", 10));
  const std::string before = out.str();
  report.summarize();  // the second has not passed: still held
  EXPECT_EQ(out.str(), before);
  report.summarize(true);
  const std::string after = out.str().substr(before.size());
  EXPECT_NE(before.find("1 event(s) missing before seq 3"), std::string::npos) << before;
  EXPECT_EQ(before.find("seq 6"), std::string::npos) << before;
  EXPECT_NE(after.find("2 more gap/order note(s) since the last line (total missing 6)"),
            std::string::npos)
      << after;
  const std::string told = out.str();
  report.summarize(true);  // nothing new to tell
  EXPECT_EQ(out.str(), told);
}

// Seqs the ingest announced lost are told once, by the announcement's WARN,
// not again as a gap.
TEST(GapReport, AnnouncedLossesAreNotAlsoAGap) {
  LogCapture log;
  std::ostringstream& out = log.out;
  std::atomic<uint64_t> missing{0};
  GapReport report{true, missing};
  rtmphooks::Event first = event("edge-1", 44);
  add_lost(first, 1, 43);
  report.observe(first);
  rtmphooks::Event later = event("edge-1", 60);
  add_lost(later, 45, 59);
  report.observe(later);
  report.summarize(true);
  const std::string text = out.str();
  EXPECT_NE(text.find("lost 43 event(s), seqs 1-43"), std::string::npos) << text;
  EXPECT_NE(text.find("lost 15 event(s), seqs 45-59"), std::string::npos) << text;
  EXPECT_EQ(text.find("seq gap"), std::string::npos) << text;
  EXPECT_EQ(text.find("gap/order"), std::string::npos) << text;
  EXPECT_EQ(missing.load(), 58u);  // still counted as not seen
}

}  // namespace
}  // namespace rtmp::dispatcher
