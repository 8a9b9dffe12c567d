// Log flags and the default logger (see logging.hpp); the line formats live in
// log_format.cpp.
#include "common/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace rtmp::common {
namespace {

// Lines queued between the threads that log and the one that writes. When the
// queue is full the OLDEST queued line is dropped (overflow_policy::
// overrun_oldest): a thread on the media path never waits for stdout, and a
// stalled stdout costs old log lines, not stream latency.
constexpr size_t kQueueLines = 8192;
constexpr const char* kLoggerName = "rtmp";

// Writes each formatted line to stdout and flushes it, so JSON lines reach a
// pipe (jq, a log shipper) as they happen. Runs on the logging thread only.
class StdoutLineSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

struct Active {
  spdlog::level::level_enum level = spdlog::level::info;
  LogFormat format = LogFormat::text;
};
Active g_active;  // written by init_logging only, from main()

std::shared_ptr<spdlog::sinks::sink> make_stdout_sink(LogFormat format) {
  auto sink = std::make_shared<StdoutLineSink>();
  sink->set_formatter(make_log_formatter(format));
  return sink;
}

}  // namespace

void register_log_flags(FlagSet& flags, LogOptions& options) {
  flags.add_string("log-level", &options.level, "info",
                   "least severe log level written (debug, info, warn, error; warning = warn)",
                   [](const std::string& v) {
                     try {
                       parse_log_level(v);
                       return std::string();
                     } catch (const std::invalid_argument&) {
                       return std::string("must be one of debug, info, warn, error");
                     }
                   });
  flags.add_choice("log-format", &options.format, "auto", {"auto", "text", "json"},
                   "log line format; auto = text on a terminal, JSON lines otherwise");
}

spdlog::level::level_enum parse_log_level(std::string_view level) {
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn" || level == "warning") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  throw std::invalid_argument("unknown log level \"" + std::string(level) + "\"");
}

LogFormat resolve_log_format(std::string_view format, bool stdout_is_tty) {
  if (format == "text") return LogFormat::text;
  if (format == "json") return LogFormat::json;
  if (format == "auto") return stdout_is_tty ? LogFormat::text : LogFormat::json;
  throw std::invalid_argument("unknown log format \"" + std::string(format) + "\"");
}

void init_logging(const LogOptions& options) {
  g_active.level = parse_log_level(options.level);
  g_active.format = resolve_log_format(options.format, ::isatty(STDOUT_FILENO) == 1);
  spdlog::init_thread_pool(kQueueLines, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      kLoggerName, make_stdout_sink(g_active.format), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  logger->set_level(g_active.level);
  spdlog::set_default_logger(std::move(logger));
}

void shutdown_logging() {
  // A synchronous logger takes over, so late lines still print; dropping the
  // registry's thread pool then writes every queued line and joins its thread.
  auto sync = std::make_shared<spdlog::logger>(kLoggerName, make_stdout_sink(g_active.format));
  sync->set_level(g_active.level);
  spdlog::set_default_logger(std::move(sync));
  spdlog::details::registry::instance().set_tp(nullptr);
}

int startup_failure(std::string_view program, std::string_view what) {
  shutdown_logging();
  std::string line;
  line.append(program).append(": ").append(what).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  return 2;
}

}  // namespace rtmp::common
