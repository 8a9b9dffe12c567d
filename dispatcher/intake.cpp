#include "dispatcher/intake.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "common/payload.hpp"
#include "common/tsan.hpp"

namespace rtmp::dispatcher {

Intake::Intake(const Router& router, StdioSink& stdio, GapReport& gaps, Counters& counters)
    : router_(router), stdio_(stdio), gaps_(gaps), counters_(counters) {}

void Intake::handle(const void* data, std::size_t size, std::vector<Job>& jobs) {
  counters_.events_received.fetch_add(1, std::memory_order_relaxed);
  common::tsan_acquire(data);  // the emitter's tsan_release (inproc: same buffer)
  if (!scratch_.ParseFromArray(data, static_cast<int>(size))) {
    counters_.events_malformed.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("dropped a malformed event message ({} bytes)", size);
    return;
  }
  gaps_.observe(scratch_);
  const auto& hooks = router_.match(scratch_.type());
  if (hooks.empty() && !stdio_.enabled()) return;
  if (hooks.empty()) {  // stdio only: no allocation per event
    stdio_json_ = common::render_json(scratch_);
    write_stdio(scratch_, stdio_json_);
    return;
  }
  struct Rendered {
    rtmphooks::Event event;
    std::string payload;
  };
  auto rendered = std::make_shared<Rendered>();
  rendered->event.Swap(&scratch_);  // scratch_ gets the new, empty message
  rendered->payload = common::render_json(rendered->event);
  write_stdio(rendered->event, rendered->payload);
  const std::shared_ptr<const rtmphooks::Event> event(rendered, &rendered->event);
  const std::shared_ptr<const std::string> payload(rendered, &rendered->payload);
  for (const HookSpec& hook : hooks) jobs.push_back(Job{&hook, event, payload});
}

void Intake::write_stdio(const rtmphooks::Event& event, const std::string& json) {
  if (!stdio_.enabled()) return;
  counters_.stdio.executions.fetch_add(1, std::memory_order_relaxed);
  count_stdio_failures(stdio_.write(event, json));
}

void Intake::flush() {
  count_stdio_failures(stdio_.flush());
}

void Intake::count_stdio_failures(size_t lines) {
  if (lines > 0) counters_.stdio.failures.fetch_add(lines, std::memory_order_relaxed);
}

}  // namespace rtmp::dispatcher
