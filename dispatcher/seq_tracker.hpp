#pragma once
// Watches `seq` per ingest process (docs/failures.md): reports how many events went
// missing between consecutive seqs of one ingest_id.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace rtmp::dispatcher {

class SeqTracker {
 public:
  struct Result {
    uint64_t missing = 0;       // seqs skipped before this one (for the first: 1..seq-1)
    bool out_of_order = false;  // seq not above the last one seen
    bool first = false;         // first event seen from this ingest_id
  };
  Result observe(const std::string& ingest_id, uint64_t seq);

 private:
  std::unordered_map<std::string, uint64_t> last_;
};

}  // namespace rtmp::dispatcher
