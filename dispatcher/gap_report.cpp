#include "dispatcher/gap_report.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::dispatcher {
namespace {

constexpr std::chrono::seconds kLineInterval{1};

}  // namespace

GapReport::GapReport(bool sole_consumer, std::atomic<uint64_t>& missing_total)
    : sole_consumer_(sole_consumer), missing_total_(missing_total) {}

void GapReport::observe(const rtmphooks::Event& ev) {
  const auto r = seq_.observe(ev.ingest_id(), ev.seq());
  const auto level = sole_consumer_ ? spdlog::level::warn : spdlog::level::debug;
  if (r.missing) missing_total_.fetch_add(r.missing, std::memory_order_relaxed);
  if (r.first) {
    spdlog::info("first event from ingest {} at seq {}", ev.ingest_id(), ev.seq());
    if (r.missing) {
      spdlog::log(level,
                  "seq gap: {} events of ingest {} before seq {} not seen by this dispatcher",
                  r.missing, ev.ingest_id(), ev.seq());
    }
    return;
  }
  if (r.missing == 0 && !r.out_of_order) return;
  ++pending_;
  const auto now = Clock::now();
  if (now - last_line_ < kLineInterval) return;
  last_line_ = now;
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

}  // namespace rtmp::dispatcher
