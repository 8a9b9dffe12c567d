#include "dispatcher/seq_tracker.hpp"

namespace rtmp::dispatcher {

SeqTracker::Result SeqTracker::observe(const std::string& ingest_id, uint64_t seq) {
  Result r;
  auto [it, fresh] = last_.try_emplace(ingest_id, seq);
  r.first = fresh;
  if (fresh) {
    // Seqs start at 1: a first event above 1 means this dispatcher never saw
    // the earlier ones (another dispatcher took them, or they were lost inside
    // one that died). Counted as a gap, so a restart after a crash shows it.
    r.missing = seq > 1 ? seq - 1 : 0;
    return r;
  }
  if (seq <= it->second) {
    r.out_of_order = true;
    return r;
  }
  r.missing = seq - it->second - 1;
  it->second = seq;
  return r;
}

}  // namespace rtmp::dispatcher
