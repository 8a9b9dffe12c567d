#pragma once
// The stdio hook as the dispatcher runs it: the line writer (StdioSink) and
// its counters (lines written, lines lost to a failed write). Whoever writes
// the lines owns it: the puller thread, or, in rtmp-ingest, the emitter
// thread as each event is numbered. One thread at a time.
#include <chrono>
#include <string>

#include "dispatcher/counters.hpp"
#include "dispatcher/stdio_sink.hpp"
#include "events.pb.h"

namespace rtmp::dispatcher {

class StdioHook {
 public:
  // format: "json", "env", or "" (off). `counters` outlives the hook.
  StdioHook(std::string format, int fd, KindCounters& counters);

  bool enabled() const { return sink_.enabled(); }
  // `json` is common::render_json(event), when the caller has it already.
  void write(const rtmphooks::Event& event, const std::string& json);
  // Renders the JSON only when the format needs it.
  void write(const rtmphooks::Event& event);
  // Writes out the gathered lines; call whenever no more events are at hand.
  void flush();

 private:
  void count_failures(size_t lines);

  const bool json_;
  StdioSink sink_;
  KindCounters& counters_;
  std::string json_scratch_;
  // Lost lines are WARNed at most this often, with how many since the last.
  std::chrono::steady_clock::time_point next_warn_{};
  size_t unreported_ = 0;
};

}  // namespace rtmp::dispatcher
