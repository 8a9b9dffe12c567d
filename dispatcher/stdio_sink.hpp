#pragma once
// The stdio hook: every event as one line on stderr, json (common::render_json)
// or env (common::render_env: the script hook's variables as POSIX shell
// assignments, so `eval "$line"` sets them), in the order events arrive.
// Lines are gathered and handed to the kernel together, whole lines only, up to
// PIPE_BUF bytes per write(): a pipe takes that much atomically, so lines never
// interleave with another writer's (the log), and a burst of events costs one
// system call per few lines instead of one per line. The owner calls flush()
// whenever it runs out of events at hand, so no line waits for the next event.
#include <cstddef>
#include <string>

#include "events.pb.h"

namespace rtmp::dispatcher {

class StdioSink {
 public:
  // format: "json", "env", or "" (off: write() does nothing).
  StdioSink(std::string format, int fd);

  bool enabled() const { return !format_.empty(); }
  // Adds the event's line (`json` is the event already rendered by
  // common::render_json); writes out what was gathered first when the line
  // would not fit. Returns how many lines could not be written.
  size_t write(const rtmphooks::Event& event, const std::string& json);
  // Writes out the gathered lines; returns how many could not be written
  // (every line of a write that failed).
  size_t flush();
  // errno of the last write that failed (EPIPE: the reader went away).
  int last_error() const { return last_error_; }

 private:
  std::string format_;
  int fd_;
  int last_error_ = 0;
  std::string pending_;  // whole lines not written yet
  size_t pending_lines_ = 0;
  std::string env_;  // reused buffer for the env format
};

}  // namespace rtmp::dispatcher
