#pragma once
// The dispatcher's live counters, shared by puller, pool and runners.
#include <atomic>
#include <cstdint>

namespace rtmp::dispatcher {

struct KindCounters {
  std::atomic<uint64_t> executions{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> retries{0};
};

struct Counters {
  KindCounters webhook;
  KindCounters script;
  KindCounters stdio;
  std::atomic<uint64_t> events_received{0};
  std::atomic<uint64_t> events_malformed{0};
  std::atomic<uint64_t> seq_gaps{0};  // events missing between consecutive seqs

  KindCounters& of(bool webhook_kind) { return webhook_kind ? webhook : script; }
};

}  // namespace rtmp::dispatcher
