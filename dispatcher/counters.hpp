#pragma once
// The dispatcher's live counters, shared by puller, pool and runners.
#include <atomic>
#include <cstdint>
#include <vector>

#include "dispatcher/hook_kinds.hpp"

namespace rtmp::dispatcher {

struct KindCounters {
  std::atomic<uint64_t> executions{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> retries{0};
};

struct Counters {
  std::vector<KindCounters> kinds = std::vector<KindCounters>(hook_kinds().size());  // by HookKind
  KindCounters stdio;
  std::atomic<uint64_t> events_received{0};
  std::atomic<uint64_t> events_malformed{0};
  std::atomic<uint64_t> seq_gaps{0};           // events missing between consecutive seqs
  std::atomic<uint64_t> connected_ingests{0};  // endpoints up now (inproc:// counts as up)
};

}  // namespace rtmp::dispatcher
