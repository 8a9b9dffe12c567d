#include "dispatcher/seq_tracker.hpp"

namespace rtmp::dispatcher {

SeqTracker::Result SeqTracker::observe(const std::string& ingest_id, uint64_t seq) {
  Result r;
  auto [it, fresh] = last_.try_emplace(ingest_id, seq);
  r.first = fresh;
  if (fresh) return r;  // the baseline: events before it may have gone elsewhere
  if (seq <= it->second) {
    r.out_of_order = true;
    return r;
  }
  r.missing = seq - it->second - 1;
  it->second = seq;
  return r;
}

}  // namespace rtmp::dispatcher
