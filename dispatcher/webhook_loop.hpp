#pragma once
// One webhook event loop: a libcurl multi handle driven by
// curl_multi_socket_action on the loop's own epoll set and thread, with its own
// keep-alive connection cache (up to -hook-concurrency connections). Retries
// with backoff inside the hook timeout; Standard Webhooks headers when a secret
// is set. Easy handles and their header lists are built once and reused
// (webhook_request.hpp: the request side).
//
// Hand-off: submit() from another thread goes through a Handoff (handoff.hpp),
// which writes the loop's eventfd only when no wake-up is pending, so a burst
// of jobs costs one wake-up. Retries wait in a RetrySchedule (retry_schedule.hpp). submit() on the
// loop's own thread (a finished job's completion starting the next queued one) is a plain push, no
// lock, no wake-up. The queue is bounded by the caller: the pool runs at most -hook-concurrency
// jobs at once, so a loop never holds more than that many requests (and keeps
// that many easy handles for reuse).
#include <memory>

#include "dispatcher/counters.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/webhook_options.hpp"

namespace rtmp::dispatcher {

class WebhookLoop {
 public:
  // Starts the loop thread, named webhook-loop-<index>; throws
  // std::runtime_error when curl, epoll or the eventfd cannot be set up (startup only).
  WebhookLoop(const WebhookOptions& options, KindCounters& counters, int index);
  ~WebhookLoop();  // shutdown()
  WebhookLoop(const WebhookLoop&) = delete;
  WebhookLoop& operator=(const WebhookLoop&) = delete;

  // Thread-safe; `done` is called exactly once, on the loop thread.
  void submit(Job job, JobDone done);
  // Finishes every submitted job (each up to its timeout), then joins the thread.
  void shutdown();

  // Jobs submitted and not yet finished (any thread; for spreading work).
  int load() const;
  // Whether the caller runs on this loop's thread.
  bool on_loop_thread() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::dispatcher
