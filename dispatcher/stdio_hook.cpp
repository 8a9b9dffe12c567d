#include "dispatcher/stdio_hook.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

#include "common/payload.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr std::chrono::seconds kWarnEvery{10};

}  // namespace

StdioHook::StdioHook(std::string format, int fd, KindCounters& counters)
    : json_(format == "json"), sink_(std::move(format), fd), counters_(counters) {}

void StdioHook::write(const rtmphooks::Event& event, const std::string& json) {
  if (!sink_.enabled()) return;
  counters_.executions.fetch_add(1, std::memory_order_relaxed);
  count_failures(sink_.write(event, json));
}

void StdioHook::write(const rtmphooks::Event& event) {
  if (!sink_.enabled()) return;
  if (json_) json_scratch_ = common::render_json(event);
  write(event, json_scratch_);
}

void StdioHook::flush() {
  count_failures(sink_.flush());
}

void StdioHook::count_failures(size_t lines) {
  if (lines == 0) return;
  counters_.failures.fetch_add(lines, std::memory_order_relaxed);
  unreported_ += lines;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_warn_) return;
  next_warn_ = now + kWarnEvery;
  spdlog::warn("stdio hook: {} event line(s) could not be written: {}", unreported_,
               std::strerror(sink_.last_error()));
  unreported_ = 0;
}

}  // namespace rtmp::dispatcher
