#pragma once
// What the dispatcher does with each pulled message: parses the event, notes
// its seq (GapReport), writes the stdio hook's line (unless the embedding
// program writes those itself) and makes one Job per
// hook the router matches. The event and its JSON payload share one
// allocation, made only when a hook will run. Puller thread only.
#include <cstddef>
#include <string>
#include <vector>

#include "dispatcher/counters.hpp"
#include "dispatcher/gap_report.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/router.hpp"
#include "dispatcher/stdio_hook.hpp"
#include "events.pb.h"

namespace rtmp::dispatcher {

class Intake {
 public:
  // All outlive the intake. `stdio` is null when the puller writes no stdio
  // lines.
  Intake(const Router& router, StdioHook* stdio, GapReport& gaps, Counters& counters);

  // Appends the jobs of one message (`size` bytes at `data`) to `jobs`.
  void handle(const void* data, std::size_t size, std::vector<Job>& jobs);
  // Writes out the stdio lines handle() gathered; called whenever no more
  // messages are at hand, so a line never waits for the next event.
  void flush();

 private:
  const Router& router_;
  StdioHook* stdio_;
  GapReport& gaps_;
  Counters& counters_;
  rtmphooks::Event scratch_;
};

}  // namespace rtmp::dispatcher
