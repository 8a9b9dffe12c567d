#pragma once
// What this dispatcher says about the seqs it sees (seq_tracker.hpp finds
// them). Every missing event is counted (rtmp_dispatcher_seq_gaps_total).
// Whether a gap is news depends on who else pulls: with several dispatchers on
// one ingest, ZeroMQ deals the events out among them, so each sees gaps by
// design and only a receiver that gets every dispatcher's deliveries can tell
// a loss (docs: "Detecting lost events"). A dispatcher knows it is the only
// consumer when told so: the ingest's embedded dispatcher, or -sole-consumer.
// Then a gap is a loss: WARN. Otherwise DEBUG. Either way at most one line
// per second, counting what it sums up.
// An ingest whose buffer overflowed announces the seqs it dropped (`lost` in
// the next event it sends): those are losses whoever pulls, always a WARN
// naming the ingest and its node. Per node, events, gaps and announced losses
// are counted in metrics (Options::node_counters). Puller thread only.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "dispatcher/options.hpp"
#include "dispatcher/seq_tracker.hpp"
#include "events.pb.h"

namespace rtmp::dispatcher {

class GapReport {
 public:
  GapReport(bool sole_consumer, std::atomic<uint64_t>& missing_total,
            NodeCountersFactory node_counters = {});
  void observe(const rtmphooks::Event& event);
  // Logs the gaps the one-line-per-second limit held back, once that second
  // has passed (or at once with `now_anyway`, at shutdown), so the last gaps
  // of a burst are not left unsaid until the next one. Called every turn.
  void summarize(bool now_anyway = false);

 private:
  const NodeCounters& counters_of(const std::string& node);
  // Returns how many seqs the event announces lost.
  uint64_t report_lost(const rtmphooks::Event& event, const NodeCounters& counters);

  using Clock = std::chrono::steady_clock;
  const bool sole_consumer_;
  std::atomic<uint64_t>& missing_total_;
  SeqTracker seq_;
  NodeCountersFactory node_counters_;
  std::unordered_map<std::string, NodeCounters> nodes_;
  Clock::time_point last_line_{};
  uint64_t pending_ = 0;  // gaps and reorders since the last line
  uint64_t held_ = 0;     // of those, the ones no line has told yet
};

}  // namespace rtmp::dispatcher
