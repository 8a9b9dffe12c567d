#pragma once
// The stdio hook: every event as one line on stderr, json (common::render_json)
// or env (common::render_env: the script hook's variables as POSIX shell
// assignments, so `eval "$line"` sets them); each line handed to the kernel in
// one write() so lines never interleave, in the order events arrive.
#include <string>

#include "events.pb.h"

namespace rtmp::dispatcher {

class StdioSink {
 public:
  // format: "json", "env", or "" (off: write() does nothing).
  StdioSink(std::string format, int fd);

  bool enabled() const { return !format_.empty(); }
  // `json` is the event already rendered by common::render_json.
  // Returns false when the line could not be written.
  bool write(const rtmphooks::Event& event, const std::string& json);

 private:
  std::string format_;
  int fd_;
  std::string line_;  // reused buffer
};

}  // namespace rtmp::dispatcher
