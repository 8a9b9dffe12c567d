#pragma once
// Runs webhook hooks on -webhook-threads event loops (WebhookLoop: libcurl
// multi + epoll, one thread and one keep-alive connection cache each). A job
// started by a finished one's completion stays on that loop (no hand-off, no
// wake-up); a job from another thread goes to the loop with the fewest jobs.
// -hook-concurrency stays the global limit (the pool's), whatever the loop count.
#include <atomic>
#include <memory>
#include <vector>

#include "dispatcher/counters.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/webhook_loop.hpp"
#include "dispatcher/webhook_options.hpp"

namespace rtmp::dispatcher {

class WebhookRunner final : public Runner {
 public:
  WebhookRunner(const WebhookOptions& options, KindCounters& counters);
  ~WebhookRunner() override;
  WebhookRunner(const WebhookRunner&) = delete;
  WebhookRunner& operator=(const WebhookRunner&) = delete;

  void start(Job job, JobDone done) override;
  void stop() override;

  size_t loops() const { return loops_.size(); }

 private:
  WebhookLoop& pick();

  std::vector<std::unique_ptr<WebhookLoop>> loops_;
  std::atomic<size_t> next_{0};  // where the least-loaded search starts (ties rotate)
};

}  // namespace rtmp::dispatcher
