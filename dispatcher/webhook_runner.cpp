#include "dispatcher/webhook_runner.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::dispatcher {

WebhookRunner::WebhookRunner(const Options& options, Counters& counters) {
  const int n = options.webhooks.empty() ? 1 : webhook_loop_count(options);  // 1: idle, cheap
  loops_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) loops_.push_back(std::make_unique<WebhookLoop>(options, counters, i));
  if (!options.webhooks.empty()) spdlog::info("webhooks delivered by {} event loop(s)", n);
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
