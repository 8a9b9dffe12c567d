#pragma once
// The execution pool: at most `concurrency` hook executions running at once,
// the rest waiting in a queue the puller keeps within `queue_limit` (it stops
// pulling while the queue is full). Logs each outcome with its duration. At
// shutdown the queue can be abandoned at a deadline (wait_idle_until).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "dispatcher/counters.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

class Pool {
 public:
  // `runners` holds one runner per hook kind (by HookKind); they must outlive
  // the pool. `observer` (optional) is told of every finished execution.
  // `finished` (optional) is given each finished job and its result.
  Pool(size_t concurrency, size_t queue_limit, std::vector<Runner*> runners, Counters& counters,
       HookObserver observer = {}, JobObserver finished = {});

  // Runs the job now if a slot is free, else queues it (even past the limit:
  // the caller checks room first, so one event's hooks may overshoot it).
  void submit(Job job);
  // The same for many jobs under one lock, in order (the puller's batch);
  // empties `jobs` and returns how many executions are queued now.
  size_t submit(std::vector<Job>& jobs);

  // True at once while the queue has room. Once it is full, blocks up to
  // `max_wait` until a refill's worth of it is free again (a quarter of the
  // limit, at most 256, at least 1; true then): the puller wakes once per
  // batch it can pull, not once per finished execution.
  bool wait_for_room(std::chrono::milliseconds max_wait);
  // Blocks until nothing is queued or running.
  void wait_idle();
  // Blocks until nothing is queued or running, or until `deadline`; then takes
  // what is still queued out of the queue (it will never run) and returns it.
  // No queued execution starts at or after `deadline`; those already running
  // are left to finish (see wait_idle()).
  std::deque<Job> wait_idle_until(std::chrono::steady_clock::time_point deadline);

  // A second stop signal: the process exits at once. Takes what is queued out
  // of the queue (nothing starts any more) and returns it, with copies of the
  // jobs running now.
  struct Abandoned {
    std::deque<Job> queued{};
    std::vector<Job> running{};
  };
  Abandoned abandon_all();
  size_t queued() const;
  size_t running() const;
  size_t room_waiters() const;  // threads in wait_for_room() now

  // For the thread that makes the jobs (the puller): swaps into `out` (empty,
  // its capacity reused) the event references finished jobs left here, so
  // that dropping them frees the memory on the thread that allocated it. With
  // glibc, frees from the webhook loops into the puller's malloc arena made
  // the loops wait on each other for its lock. At most kFinishedKept wait
  // here; past that a completion drops its reference itself.
  void take_finished(std::vector<std::shared_ptr<const void>>& out);
  static constexpr size_t kFinishedKept = 4096;

 private:
  using Clock = std::chrono::steady_clock;
  void launch(Job job);
  void on_done(const Job& job, Clock::time_point started, const JobResult& result);

  const size_t concurrency_;
  const size_t queue_limit_;
  const size_t refilled_at_;  // a full queue has room again at this length
  const std::vector<Runner*> runners_;
  Counters& counters_;
  const HookObserver observer_;
  const JobObserver finished_observer_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> queue_;                                  // guarded by mutex_
  std::vector<std::shared_ptr<const void>> finished_;      // guarded by mutex_
  size_t running_ = 0;                                     // guarded by mutex_
  size_t room_waiters_ = 0;                                // guarded by mutex_
  size_t idle_waiters_ = 0;                                // guarded by mutex_
  Clock::time_point deadline_ = Clock::time_point::max();  // guarded by mutex_
  // The jobs started and not done, for abandon_all(): by event and hook (one
  // execution each). A lock of its own, not held while a runner starts one.
  std::mutex running_jobs_mutex_;
  std::multimap<std::pair<const void*, const HookSpec*>, Job> running_jobs_;
};

}  // namespace rtmp::dispatcher
