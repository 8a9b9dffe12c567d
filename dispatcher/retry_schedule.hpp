#pragma once
// Webhook requests waiting for their next attempt (after a backoff): which are
// due, and how long the loop may sleep before the first one is. Loop thread only.
#include <algorithm>
#include <chrono>
#include <vector>

#include "dispatcher/webhook_request.hpp"

namespace rtmp::dispatcher {

class RetrySchedule {
 public:
  using Clock = std::chrono::steady_clock;

  void add(WebhookRequest* r) { waiting_.push_back(r); }
  bool empty() const { return waiting_.empty(); }

  // Calls start(r) for, and forgets, every request whose next_at has come.
  template <typename F>
  void take_due(Clock::time_point now, F&& start) {
    for (size_t i = 0; i < waiting_.size();) {
      if (waiting_[i]->next_at > now) {
        ++i;
        continue;
      }
      WebhookRequest* r = waiting_[i];
      waiting_[i] = waiting_.back();
      waiting_.pop_back();
      start(r);
    }
  }

  // Until the first retry is due, at most `longest`, never negative.
  std::chrono::milliseconds wait(Clock::time_point now, std::chrono::milliseconds longest) const {
    auto wait = longest;
    for (const WebhookRequest* r : waiting_) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(r->next_at - now));
    }
    return std::max(wait, std::chrono::milliseconds(0));
  }

 private:
  std::vector<WebhookRequest*> waiting_;
};

}  // namespace rtmp::dispatcher
