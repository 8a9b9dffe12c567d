#pragma once
// Runs webhook hooks: POSTs the payload with libcurl's multi interface on one
// event-loop thread (curl_multi_poll + curl_multi_wakeup), keeps connections
// alive in the multi handle's shared cache, retries with backoff inside the
// hook timeout, signs with Standard Webhooks headers when a secret is set.
#include <memory>

#include "dispatcher/counters.hpp"
#include "dispatcher/job.hpp"

namespace rtmp::dispatcher {

class WebhookRunner final : public Runner {
 public:
  WebhookRunner(const Options& options, Counters& counters);
  ~WebhookRunner() override;
  WebhookRunner(const WebhookRunner&) = delete;
  WebhookRunner& operator=(const WebhookRunner&) = delete;

  void start(Job job, JobDone done) override;
  void stop() override;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace rtmp::dispatcher
