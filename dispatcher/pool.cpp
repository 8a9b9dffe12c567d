#include "dispatcher/pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/payload.hpp"

namespace rtmp::dispatcher {

Pool::Pool(size_t concurrency, size_t queue_limit, std::vector<Runner*> runners, Counters& counters,
           HookObserver observer, JobObserver finished)
    : concurrency_(concurrency ? concurrency : 1),
      queue_limit_(queue_limit ? queue_limit : 1),
      refilled_at_(queue_limit_ - std::clamp<size_t>(queue_limit_ / 4, 1, 256)),
      runners_(std::move(runners)),
      counters_(counters),
      observer_(std::move(observer)),
      finished_observer_(std::move(finished)) {}

void Pool::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (running_ >= concurrency_) {
      queue_.push_back(std::move(job));
      return;
    }
    ++running_;
  }
  launch(std::move(job));
}

size_t Pool::submit(std::vector<Job>& jobs) {
  size_t now = 0;  // jobs[0, now) start now, the rest are queued
  size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    now = std::min(jobs.size(), concurrency_ - std::min(running_, concurrency_));
    running_ += now;
    for (size_t i = now; i < jobs.size(); ++i) queue_.push_back(std::move(jobs[i]));
    queued = queue_.size();
  }
  for (size_t i = 0; i < now; ++i) launch(std::move(jobs[i]));
  jobs.clear();
  return queued;
}

void Pool::launch(Job job) {
  {
    std::lock_guard lock(running_jobs_mutex_);
    running_jobs_.emplace(std::make_pair(job.event.get(), job.hook), job);
  }
  const auto started = Clock::now();
  Runner& runner = *runners_.at(job.hook->kind);
  // The runner owns the job and hands it back to the completion: no copy, and
  // a capture small enough for std::function's inline storage.
  runner.start(std::move(job),
               [this, started](const Job& done, const JobResult& r) { on_done(done, started, r); });
}

void Pool::on_done(const Job& job, Clock::time_point started, const JobResult& result) {
  {
    std::lock_guard lock(running_jobs_mutex_);
    const auto it = running_jobs_.find({job.event.get(), job.hook});
    if (it != running_jobs_.end()) running_jobs_.erase(it);
  }
  const auto took = Clock::now() - started;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  const std::string_view kind = hook_kinds()[job.hook->kind].name;
  KindCounters& k = counters_.kinds[job.hook->kind];
  k.executions.fetch_add(1, std::memory_order_relaxed);
  if (observer_) {
    observer_(job.hook->kind, std::chrono::duration<double>(took).count(), result.ok);
  }
  const auto& ev = *job.event;
  if (result.ok) {
    if (spdlog::should_log(spdlog::level::debug))  // the redaction costs: only when logged
      spdlog::debug(
          "{} {} id={} -> {}: ok in {}ms (attempts {})", kind, common::event_name(ev.type()),
          ev.id(), hook_kinds()[job.hook->kind].redact(job.hook->target).text, ms, result.attempts);
  } else {
    k.failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("{} {} id={} -> {}: failed in {}ms after {} attempt(s): {}", kind,
                  common::event_name(ev.type()), ev.id(),
                  hook_kinds()[job.hook->kind].redact(job.hook->target).text, ms, result.attempts,
                  result.cause);
  }
  if (finished_observer_) finished_observer_(job, result);
  Job next;
  bool have_next = false;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (finished_.size() < kFinishedKept) finished_.push_back(job.event);
    const bool past_deadline = deadline_ != Clock::time_point::max() && Clock::now() >= deadline_;
    if (!queue_.empty() && !past_deadline) {
      next = std::move(queue_.front());
      queue_.pop_front();
      have_next = true;
    } else {
      --running_;
    }
    // Only the completions a waiter waits for wake it: waking the puller at
    // each one cost a futex call and a context switch per execution.
    wake = (room_waiters_ > 0 && queue_.size() <= refilled_at_) ||
           (idle_waiters_ > 0 && queue_.empty() && running_ == 0);
  }
  if (wake) changed_.notify_all();
  if (have_next) launch(std::move(next));
}

bool Pool::wait_for_room(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  if (queue_.size() < queue_limit_) return true;
  ++room_waiters_;
  const bool room =
      changed_.wait_for(lock, max_wait, [&] { return queue_.size() <= refilled_at_; });
  --room_waiters_;
  return room;
}

void Pool::wait_idle() {
  std::unique_lock lock(mutex_);
  ++idle_waiters_;
  changed_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  --idle_waiters_;
}

std::deque<Job> Pool::wait_idle_until(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  deadline_ = deadline;
  const auto idle = [&] { return queue_.empty() && running_ == 0; };
  ++idle_waiters_;
  if (deadline == Clock::time_point::max()) {
    changed_.wait(lock, idle);  // no deadline (wait_until would overflow)
  } else {
    changed_.wait_until(lock, deadline, idle);
  }
  --idle_waiters_;
  std::deque<Job> left;
  left.swap(queue_);
  return left;
}

Pool::Abandoned Pool::abandon_all() {
  Abandoned out;
  {
    std::lock_guard lock(mutex_);
    deadline_ = Clock::now();  // a completion starts nothing queued from now on
    out.queued.swap(queue_);
  }
  std::lock_guard lock(running_jobs_mutex_);
  for (const auto& [key, job] : running_jobs_) out.running.push_back(job);
  return out;
}

void Pool::take_finished(std::vector<std::shared_ptr<const void>>& out) {
  std::lock_guard lock(mutex_);
  finished_.swap(out);
}

size_t Pool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

size_t Pool::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

size_t Pool::room_waiters() const {
  std::lock_guard lock(mutex_);
  return room_waiters_;
}

}  // namespace rtmp::dispatcher
