#include "dispatcher/gap_report.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rtmp::dispatcher {
namespace {

constexpr std::chrono::seconds kLineInterval{1};
// Distinct node labels kept; past it (a misconfiguration, not a real fleet)
// the rest are counted under one label rather than growing /metrics unbounded.
constexpr size_t kMaxNodes = 1000;
constexpr const char* kOtherNodes = "_other";

}  // namespace

GapReport::GapReport(bool sole_consumer, std::atomic<uint64_t>& missing_total,
                     NodeCountersFactory node_counters)
    : sole_consumer_(sole_consumer),
      missing_total_(missing_total),
      node_counters_(std::move(node_counters)) {}

const NodeCounters& GapReport::counters_of(const std::string& node) {
  if (auto it = nodes_.find(node); it != nodes_.end()) return it->second;
  const std::string& label = nodes_.size() < kMaxNodes ? node : kOtherNodes;
  if (auto it = nodes_.find(label); it != nodes_.end()) return it->second;
  return nodes_.emplace(label, node_counters_ ? node_counters_(label) : NodeCounters{})
      .first->second;
}

uint64_t GapReport::report_lost(const rtmphooks::Event& ev, const NodeCounters& counters) {
  uint64_t lost = 0;
  std::string seqs;
  for (const rtmphooks::SeqRange& range : ev.lost()) {
    if (range.last() < range.first()) continue;
    lost += range.last() - range.first() + 1;
    if (!seqs.empty()) seqs += ',';
    seqs += range.first() == range.last() ? fmt::format("{}", range.first())
                                          : fmt::format("{}-{}", range.first(), range.last());
  }
  if (lost == 0) return 0;
  if (counters.lost) counters.lost->inc(lost);
  spdlog::warn(
      "ingest {} (node {}) lost {} event(s), seqs {}: its -events-buffer was full while no "
      "dispatcher took events; they are on that ingest's stderr (stdio fallback)",
      ev.ingest_id(), ev.node(), lost, seqs);
  return lost;
}

void GapReport::observe(const rtmphooks::Event& ev) {
  const NodeCounters& counters = counters_of(ev.node());
  if (counters.received) counters.received->inc();
  const uint64_t announced = ev.lost_size() > 0 ? report_lost(ev, counters) : 0;
  const auto r = seq_.observe(ev.ingest_id(), ev.seq());
  const auto level = sole_consumer_ ? spdlog::level::warn : spdlog::level::debug;
  if (r.missing) {
    missing_total_.fetch_add(r.missing, std::memory_order_relaxed);
    if (counters.gaps) counters.gaps->inc(r.missing);
  }
  if (r.first) {
    spdlog::info("first event from ingest {} (node {}) at seq {}", ev.ingest_id(), ev.node(),
                 ev.seq());
    if (r.missing > announced) {
      spdlog::log(level,
                  "seq gap: {} events of ingest {} before seq {} not seen by this dispatcher",
                  r.missing, ev.ingest_id(), ev.seq());
    }
    return;
  }
  if (r.missing == 0 && !r.out_of_order) return;
  // The ingest's own announcement (above) told these already.
  if (!r.out_of_order && r.missing <= announced) return;
  ++pending_;
  const auto now = Clock::now();
  if (now - last_line_ < kLineInterval) {
    ++held_;
    return;
  }
  last_line_ = now;
  held_ = 0;
  if (r.out_of_order) {
    spdlog::log(level,
                "ingest {}: seq {} arrived out of order ({} gap/order notes since last line)",
                ev.ingest_id(), ev.seq(), pending_);
  } else if (sole_consumer_) {
    spdlog::warn(
        "ingest {}: seq gap, {} event(s) missing before seq {} (total missing {}, {} gaps since "
        "last line); this is the only dispatcher of the ingest, so they were lost",
        ev.ingest_id(), r.missing, ev.seq(), missing_total_.load(), pending_);
  } else {
    spdlog::debug(
        "ingest {}: seq gap, {} event(s) missing before seq {} (total missing {}, {} gaps since "
        "last line; other dispatchers of the ingest took them, unless lost)",
        ev.ingest_id(), r.missing, ev.seq(), missing_total_.load(), pending_);
  }
  pending_ = 0;
}

void GapReport::summarize(bool now_anyway) {
  if (held_ == 0) return;
  const auto now = Clock::now();
  if (!now_anyway && now - last_line_ < kLineInterval) return;
  spdlog::log(
      sole_consumer_ ? spdlog::level::warn : spdlog::level::debug,
      "seq gaps: {} more gap/order note(s) since the last line (total missing {}){}", held_,
      missing_total_.load(),
      sole_consumer_ ? "; this is the only dispatcher of the ingest, so they were lost" : "");
  last_line_ = now;
  held_ = 0;
  pending_ = 0;
}

}  // namespace rtmp::dispatcher
