#include "common/forced_exit.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "common/logging.hpp"

namespace rtmp::common {

void exit_now(int sig, std::string_view abandoned) {
  spdlog::warn("{} again during shutdown: exiting now (status 1); abandoned: {}",
               sig == SIGINT    ? "SIGINT"
               : sig == SIGTERM ? "SIGTERM"
                                : "signal",
               abandoned);
  shutdown_logging();
  std::fflush(stdout);
  std::_Exit(1);
}

}  // namespace rtmp::common
