#include "dispatcher/webhook_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "dispatcher/counters.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

HookKindDef webhook_hook_kind() {
  return {
      "webhook",
      "url",
      "event_type=url to POST the event to; * as event type means every event",
      [](const std::string& url) -> std::string {
        if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) return {};
        return "webhook URL must start with http:// or https://";
      },
      [](const std::string& url) { return redact_url(url); },
      [](const Options& o, KindCounters& counters) -> std::unique_ptr<Runner> {
        WebhookOptions w;
        w.timeout = o.hook_timeout;
        w.max_connections = o.hook_concurrency;
        // One idle loop when there are no webhooks: cheap.
        const bool any = !hook_pairs(o, hook_kind("webhook")).empty();
        w.loops = any ? webhook_loop_count(o) : 1;
        if (any) spdlog::info("webhooks delivered by {} event loop(s)", w.loops);
        w.secret = o.webhook_secret;
        w.ca_file = o.webhook_ca_file;
        w.retries = o.webhook_retries;
        w.retry_base = o.retry_base;
        w.retry_max = o.retry_max;
        return std::make_unique<WebhookRunner>(w, counters);
      },
  };
}

WebhookRunner::WebhookRunner(const WebhookOptions& options, KindCounters& counters) {
  const int n = std::max(options.loops, 1);
  loops_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) loops_.push_back(std::make_unique<WebhookLoop>(options, counters, i));
}

WebhookRunner::~WebhookRunner() = default;

WebhookLoop& WebhookRunner::pick() {
  for (auto& loop : loops_)
    if (loop->on_loop_thread()) return *loop;
  const size_t n = loops_.size();
  const size_t first = n > 1 ? next_.fetch_add(1, std::memory_order_relaxed) % n : 0;
  WebhookLoop* best = loops_[first].get();
  int best_load = best->load();
  for (size_t i = 1; i < n && best_load > 0; ++i) {
    WebhookLoop* l = loops_[(first + i) % n].get();
    const int load = l->load();
    if (load < best_load) best = l, best_load = load;
  }
  return *best;
}

void WebhookRunner::start(Job job, JobDone done) {
  pick().submit(std::move(job), std::move(done));
}

void WebhookRunner::stop() {
  for (auto& loop : loops_) loop->shutdown();
}

}  // namespace rtmp::dispatcher
