#pragma once
// A second SIGINT/SIGTERM while a graceful shutdown drains (Ctrl-C pressed
// twice, or a supervisor that signals again before its kill): the operator has
// stopped waiting. Both programs then log what is abandoned and exit at once,
// as most servers do, rather than swallow the signal until the drain's bound.

#include <string_view>

namespace rtmp::common {

// Logs one WARN line naming the signal and what is abandoned, drains the log,
// and ends the process with status 1 without running destructors (other
// threads are mid-drain). Safe to call from any thread.
[[noreturn]] void exit_now(int sig, std::string_view abandoned);

}  // namespace rtmp::common
