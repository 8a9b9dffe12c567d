// rtmp-ingest: parses flags, starts logging, runs the server.
#include <spdlog/spdlog.h>

#include <csignal>

#include "common/fd_limit.hpp"
#include "common/flags.hpp"
#include "common/logging.hpp"
#include "ingest/app/ingest_app.hpp"

int main(int argc, char** argv) {
  // Logs go to stdout and events (without hooks) to stderr, often piped to
  // jq, head or a log shipper: a reader that goes away must cost the lines
  // (EPIPE: counted, logged), not kill every stream with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  rtmp::common::raise_fd_limit();
  rtmp::server::IngestOptions options;
  rtmp::common::FlagSet flags("rtmp-ingest", "RTMP_INGEST_");
  rtmp::server::register_ingest_flags(flags, options);
  rtmp::common::parse_flags_or_exit(flags, argc, argv);
  rtmp::common::init_logging(options.log);
  if (auto unknown = flags.unknown_environment_warning(); !unknown.empty())
    spdlog::warn("{}", unknown);
  int status = 0;
  try {
    status = rtmp::server::run_ingest(std::move(options));
  } catch (const std::exception& e) {
    return rtmp::common::startup_failure("rtmp-ingest", e.what());
  }
  rtmp::common::shutdown_logging();
  return status;
}
