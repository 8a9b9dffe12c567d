#include "dispatcher/intake.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "common/payload.hpp"
#include "common/tsan.hpp"

namespace rtmp::dispatcher {

Intake::Intake(const Router& router, StdioHook* stdio, GapReport& gaps, Counters& counters)
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
  if (hooks.empty()) {  // stdio only: no allocation per event
    if (stdio_) stdio_->write(scratch_);
    return;
  }
  struct Rendered {
    rtmphooks::Event event;
    std::string payload;
  };
  auto rendered = std::make_shared<Rendered>();
  rendered->event.Swap(&scratch_);  // scratch_ gets the new, empty message
  rendered->payload = common::render_json(rendered->event);
  if (stdio_) stdio_->write(rendered->event, rendered->payload);
  const std::shared_ptr<const rtmphooks::Event> event(rendered, &rendered->event);
  const std::shared_ptr<const std::string> payload(rendered, &rendered->payload);
  for (const HookSpec& hook : hooks) jobs.push_back(Job{&hook, event, payload});
}

void Intake::flush() {
  if (stdio_) stdio_->flush();
}

}  // namespace rtmp::dispatcher
