#include "common/forced_exit.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace rtmp::common {

void exit_now(int sig, std::string_view abandoned) {
  spdlog::warn("{} again during shutdown: exiting now (status 1); abandoned: {}",
               sig == SIGINT    ? "SIGINT"
               : sig == SIGTERM ? "SIGTERM"
                                : "signal",
               abandoned);
  // Writes the queued lines and joins the writer thread. The default logger
  // stays in place (other threads may be logging): a line after this one is
  // reported on stderr as a logging error rather than printed.
  spdlog::details::registry::instance().set_tp(nullptr);
  std::fflush(stdout);
  std::_Exit(1);
}

}  // namespace rtmp::common
