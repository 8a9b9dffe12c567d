#pragma once
// Logging for both programs: spdlog's default logger writing to stdout, since
// hook events go to stderr and the two must not mix unless the user joins them.
// Text on a terminal and JSON lines otherwise, with conn_id / stream_key /
// remote_addr as structured fields.
//
//   common::LogOptions log_opts;
//   common::register_log_flags(flags, log_opts);
//   common::parse_flags_or_exit(flags, argc, argv);
//   common::init_logging(log_opts);
//   ...
//   common::log::info({.conn_id = id, .stream_key = key}, "publish accepted");
//   spdlog::info("listening on {}", addr);   // plain lines work too
//   ...
//   common::shutdown_logging();               // drains the queue before exit
//
// json: {"ts":"2026-01-02T03:04:05.678Z","level":"info","msg":"…","conn_id":"…"}
// text: 2026-01-02T03:04:05.678Z info  conn_id=conn-1 stream_key=live/x publish accepted
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/flags.hpp"

namespace rtmp::common {

struct LogOptions {
  std::string level = "info";   // debug, info, warn, error
  std::string format = "auto";  // auto, text, json
};

enum class LogFormat { text, json };

// -log-level and -log-format, validated by the flag parser.
void register_log_flags(FlagSet& flags, LogOptions& options);

// Installs the default logger: asynchronous, to stdout, flushed per line by the
// logging thread. Throws std::invalid_argument on a level or format the flags
// would have refused. Call once, from main(), before any thread logs.
void init_logging(const LogOptions& options);

// Drains queued lines and stops the logging thread; call before exit.
void shutdown_logging();

// A startup error (bad configuration, an address that cannot be bound): drains
// the log, writes "<program>: <what>" as one line on stderr, as a bad flag is,
// and returns the exit status both programs use for it (2).
int startup_failure(std::string_view program, std::string_view what);

// Pieces of init_logging, for tests and for callers with their own sinks.
spdlog::level::level_enum parse_log_level(std::string_view level);  // throws invalid_argument
LogFormat resolve_log_format(std::string_view format, bool stdout_is_tty);
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

namespace log {

// Context a line carries as fields. Empty values are left out. The views need
// only live for the call.
struct Fields {
  std::string_view conn_id = {};
  std::string_view stream_key = {};
  std::string_view remote_addr = {};
};

namespace detail {
// Prefixes `out` with the fields in the form the formatters decode.
void encode_fields(spdlog::memory_buf_t& out, const Fields& fields);
}  // namespace detail

template <typename... Args>
void write(spdlog::level::level_enum level, const Fields& fields,
           fmt::format_string<Args...> format, Args&&... args) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  spdlog::memory_buf_t buf;
  detail::encode_fields(buf, fields);
  fmt::format_to(std::back_inserter(buf), format, std::forward<Args>(args)...);
  logger->log(level, spdlog::string_view_t(buf.data(), buf.size()));
}

template <typename... Args>
void debug(const Fields& f, fmt::format_string<Args...> format, Args&&... args) {
  write(spdlog::level::debug, f, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(const Fields& f, fmt::format_string<Args...> format, Args&&... args) {
  write(spdlog::level::info, f, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(const Fields& f, fmt::format_string<Args...> format, Args&&... args) {
  write(spdlog::level::warn, f, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(const Fields& f, fmt::format_string<Args...> format, Args&&... args) {
  write(spdlog::level::err, f, format, std::forward<Args>(args)...);
}

}  // namespace log
}  // namespace rtmp::common
