#include "dispatcher/dispatcher.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/payload.hpp"
#include "dispatcher/counters.hpp"
#include "dispatcher/dead_letter_writer.hpp"
#include "dispatcher/event_puller.hpp"
#include "dispatcher/gap_report.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/intake.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/pool.hpp"
#include "dispatcher/router.hpp"
#include "dispatcher/stdio_hook.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr int kBatch = 256;          // events pulled per poll wake-up
constexpr size_t kSubmitBatch = 64;  // jobs handed to the pool per lock

PullerOptions puller_options(const Options& o) {
  return {o.events_connect, o.receive_hwm, o.poll_interval, o.connect_warn_interval};
}

std::vector<std::unique_ptr<Runner>> make_runners(const Options& o, Counters& counters) {
  std::vector<std::unique_ptr<Runner>> runners;
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    runners.push_back(hook_kinds()[k].make_runner(o, counters.kinds[k]));
  }
  return runners;
}

std::unique_ptr<DeadLetterWriter> open_dead_letters(const Options& o) {
  if (o.dead_letter.empty()) return nullptr;
  return std::make_unique<DeadLetterWriter>(o.dead_letter);
}

std::vector<Runner*> raw(const std::vector<std::unique_ptr<Runner>>& runners) {
  std::vector<Runner*> out;
  for (const auto& r : runners) out.push_back(r.get());
  return out;
}

}  // namespace

struct Dispatcher::Impl {
  Impl(zmq::context_t& context, Options o)
      : options(std::move(o)),
        router(hook_specs(options)),
        stdio(options.stdio_format, options.stdio_fd, counters.stdio),
        dead_letters(open_dead_letters(options)),
        runners(make_runners(options, counters)),
        pool(static_cast<size_t>(options.hook_concurrency), static_cast<size_t>(options.hook_queue),
             raw(runners), counters, options.on_hook_done, dead_letter_observer()),
        gaps(options.sole_consumer, counters.seq_gaps, options.node_counters),
        intake(router, stdio.enabled() && !options.stdio_by_embedder ? &stdio : nullptr, gaps,
               counters),
        puller(context, puller_options(options), counters.connected_ingests) {}

  JobObserver dead_letter_observer() {
    if (!dead_letters) return {};
    // After abandon_now() the letters of running executions are written
    // already: their results (a script killed by it) are not letters again.
    return [this, w = dead_letters.get()](const Job& job, const JobResult& r) {
      if (!r.ok && !forced.load()) w->add(dead_letter_of(job, r));
    };
  }

  void start() {
    puller.connect();
    spdlog::info(
        "dispatcher pulling from {} ({} webhook/script/NATS hooks, stdio {}, concurrency {}, "
        "timeout {}ms)",
        fmt::join(options.events_connect, ", "), router.size(),
        options.stdio_format.empty() ? "off"
        : options.stdio_by_embedder  ? options.stdio_format + " (written as events are numbered)"
                                     : options.stdio_format,
        options.hook_concurrency, options.hook_timeout.count());
    thread = std::thread([this] { pull_loop(); });
  }

  // Puller thread: pull, make jobs, hand them to the pool in batches (one lock,
  // not one per job). The queue stays within -hook-queue: `queued` is the
  // pool's queue at the last hand-off plus the jobs not handed yet; the pool
  // only takes from it meanwhile, so this never undercounts.
  void pull_loop() {
    const auto limit = static_cast<size_t>(options.hook_queue);
    while (!stopping.load()) {
      pool.take_finished(done_events);
      done_events.clear();  // frees finished events here, on the thread that made them
      if (!pool.wait_for_room(options.poll_interval)) continue;  // backpressure
      size_t queued = pool.queued();
      puller.pull(kBatch, [&](const zmq::message_t& msg) {
        intake.handle(msg.data(), msg.size(), jobs);
        if (jobs.size() >= kSubmitBatch) queued = pool.submit(jobs);
        return !stopping.load() && queued + jobs.size() < limit;
      });
      intake.flush();
      gaps.summarize();
      if (!jobs.empty()) pool.submit(jobs);
    }
    puller.leave([&](const zmq::message_t& msg) {
      intake.handle(msg.data(), msg.size(), jobs);
      if (jobs.size() >= kSubmitBatch) pool.submit(jobs);
      return true;
    });
    intake.flush();
    gaps.summarize(true);
    if (!jobs.empty()) pool.submit(jobs);
    spdlog::info("dispatcher stopped pulling; finishing {} queued and {} running executions",
                 pool.queued(), pool.running());
  }

  // Shutdown deadline passed: `left` never runs. One ERROR line counts them;
  // each one is named at DEBUG.
  void abandon(const std::deque<Job>& left) {
    std::vector<size_t> by_kind(hook_kinds().size());
    for (const Job& job : left) {
      ++by_kind[job.hook->kind];
      count_failed(job);
      if (dead_letters) {
        JobResult never;
        never.attempts = 0;
        never.cause = "abandoned at shutdown (-shutdown-timeout): never ran";
        dead_letters->add(dead_letter_of(job, never));
      }
      spdlog::debug("abandoned {} {} id={} -> {}", hook_kinds()[job.hook->kind].name,
                    common::event_name(job.event->type()), job.event->id(), job.hook->target);
    }
    std::string kinds;
    for (HookKind k = 0; k < by_kind.size(); ++k) {
      kinds += fmt::format("{}{} {}", k ? ", " : "", by_kind[k], hook_kinds()[k].name);
    }
    spdlog::error(
        "shutdown timeout: abandoned {} queued hook execution(s) ({}), events {} to {}; {} "
        "running execution(s) end within -hook-timeout",
        left.size(), kinds, left.front().event->id(), left.back().event->id(), pool.running());
  }

  // An execution that ended without running to its end: finished, failed.
  void count_failed(const Job& job) {
    KindCounters& k = counters.kinds[job.hook->kind];
    k.executions.fetch_add(1, std::memory_order_relaxed);
    k.failures.fetch_add(1, std::memory_order_relaxed);
  }

  std::string abandon_now(std::chrono::milliseconds flush_within) {
    // Held until the process exits (the caller exits right after): wait()
    // must not stop the runners or the dead-letter writer under this.
    std::unique_lock final_lock(final_mutex);
    final_lock.release();
    forced.store(true);
    const Pool::Abandoned a = pool.abandon_all();
    size_t killed = 0;
    for (auto& runner : runners) killed += runner->kill_now();
    size_t letters = 0;
    auto letter = [&](const Job& job, int attempts, std::string cause) {
      count_failed(job);
      if (!dead_letters) return;
      JobResult r;
      r.attempts = attempts;
      r.cause = std::move(cause);
      dead_letters->add(dead_letter_of(job, r));
      ++letters;
    };
    for (const Job& job : a.queued)
      letter(job, 0, "abandoned at exit (second stop signal during shutdown): never ran");
    // How many attempts a running webhook made is its loop's to know: at
    // least this one.
    for (const Job& job : a.running)
      letter(job, 1,
             std::string("abandoned at exit (second stop signal during shutdown) while running") +
                 (hook_kinds()[job.hook->kind].name == std::string_view("script")
                      ? "; its process group was killed"
                      : ""));
    std::string out =
        fmt::format("{} queued and {} running hook execution(s), {} script process group(s) killed",
                    a.queued.size(), a.running.size(), killed);
    if (dead_letters) {
      const bool flushed = dead_letters->flush_for(flush_within);
      out += fmt::format("; {} dead letter(s) {} {}", letters,
                         flushed ? "written to" : "queued but not all written (disk too slow) to",
                         dead_letters->path());
    }
    return out;
  }

  const Options options;
  Counters counters;
  std::atomic<bool> forced{false};  // abandon_now() was called
  std::mutex final_mutex;           // wait()'s teardown against abandon_now()
  Router router;
  StdioHook stdio;  // the puller's, or the embedder's (stdio_by_embedder)
  std::unique_ptr<DeadLetterWriter> dead_letters;  // with -dead-letter; outlives the pool's jobs
  std::vector<std::unique_ptr<Runner>> runners;    // by HookKind
  Pool pool;
  GapReport gaps;                                        // puller thread only
  Intake intake;                                         // puller thread only
  EventPuller puller;                                    // puller thread only, after start()
  std::vector<Job> jobs;                                 // puller thread only: not handed yet
  std::vector<std::shared_ptr<const void>> done_events;  // puller thread only (take_finished)
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};  // read by stats() from the metrics thread
  bool finished = false;
};

Dispatcher::Dispatcher(zmq::context_t& context, Options options) {
  // A script that closes its stdin must not kill us with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  impl_ = std::make_unique<Impl>(context, std::move(options));
}

Dispatcher::~Dispatcher() {
  if (impl_ && impl_->started && !impl_->finished) {
    request_stop();
    wait();
  }
}

void Dispatcher::start() {
  impl_->start();
  impl_->started = true;
}

void Dispatcher::request_stop() {
  impl_->stopping.store(true);
}

void Dispatcher::wait(std::chrono::steady_clock::time_point deadline) {
  Impl& i = *impl_;
  if (i.finished) return;
  if (i.thread.joinable()) i.thread.join();
  if (const auto left = i.pool.wait_idle_until(deadline); !left.empty()) i.abandon(left);
  i.pool.wait_idle();  // what runs now ends within its -hook-timeout
  // Not while abandon_now() uses the runners and the dead letters: a second
  // signal empties the pool, which lets this go on, and the exit follows.
  std::lock_guard final_lock(i.final_mutex);
  for (auto& runner : i.runners) runner->stop();
  if (i.dead_letters) i.dead_letters->stop();
  i.finished = true;
  spdlog::info("dispatcher stopped");
}

std::string Dispatcher::abandon_now(std::chrono::milliseconds flush_within) {
  return impl_->abandon_now(flush_within);
}

Stats Dispatcher::stats() const {
  const Counters& c = impl_->counters;
  auto kind = [](const KindCounters& k) {
    return KindStats{k.executions.load(), k.failures.load(), k.retries.load()};
  };
  Stats s;
  for (const KindCounters& k : c.kinds) s.kinds.push_back(kind(k));
  s.stdio = kind(c.stdio);
  s.events_received = c.events_received.load();
  s.events_malformed = c.events_malformed.load();
  s.seq_gaps = c.seq_gaps.load();
  s.queue_depth = impl_->pool.queued();
  s.running = impl_->pool.running();
  s.connected = c.connected_ingests.load();
  if (impl_->dead_letters) {
    s.dead_letters_written = impl_->dead_letters->written();
    s.dead_letters_dropped = impl_->dead_letters->dropped();
  }
  // A full hook queue stops the pulling too: not ready then, so a balancer
  // (or an operator) sees the dispatcher that cannot take more.
  s.pulling = impl_->started && !impl_->stopping.load() &&
              impl_->pool.queued() < static_cast<size_t>(impl_->options.hook_queue);
  return s;
}

void Dispatcher::write_stdio(const rtmphooks::Event& event) {
  if (impl_->options.stdio_by_embedder) impl_->stdio.write(event);
}

void Dispatcher::flush_stdio() {
  if (impl_->options.stdio_by_embedder) impl_->stdio.flush();
}

}  // namespace rtmp::dispatcher
