#include "dispatcher/dispatcher.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <zmq.hpp>

#include "common/payload.hpp"
#include "common/tsan.hpp"
#include "dispatcher/counters.hpp"
#include "dispatcher/pool.hpp"
#include "dispatcher/router.hpp"
#include "dispatcher/script_runner.hpp"
#include "dispatcher/seq_tracker.hpp"
#include "dispatcher/stdio_sink.hpp"
#include "dispatcher/webhook_runner.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBatch = 256;                         // events pulled per poll wake-up
constexpr size_t kSubmitBatch = 64;                 // jobs handed to the pool per lock
constexpr std::chrono::seconds kGapLogInterval{1};  // at most one gap line per second

}  // namespace

struct Dispatcher::Impl {
  Impl(zmq::context_t& ctx, Options o)
      : context(ctx),
        options(std::move(o)),
        router(hook_specs(options)),
        stdio(options.stdio_format, options.stdio_fd),
        webhook(options, counters),
        script(options),
        pool(static_cast<size_t>(options.hook_concurrency), static_cast<size_t>(options.hook_queue),
             webhook, script, counters, options.on_hook_done) {}

  void start() {
    socket = zmq::socket_t(context, zmq::socket_type::pull);
    socket.set(zmq::sockopt::rcvhwm, options.receive_hwm);
    socket.set(zmq::sockopt::linger, 0);
    start_monitor();
    for (const auto& endpoint : options.events_connect) socket.connect(endpoint);
    spdlog::info(
        "dispatcher pulling from {} ({} webhook/script hooks, stdio {}, concurrency {}, "
        "timeout {}ms)",
        fmt::join(options.events_connect, ", "), options.webhooks.size() + options.scripts.size(),
        options.stdio_format.empty() ? "off" : options.stdio_format, options.hook_concurrency,
        options.hook_timeout.count());
    puller = std::thread([this] { pull_loop(); });
  }

  // Connection state of the PULL socket (for /readyz and the log), read from
  // a ZeroMQ socket monitor over inproc://. Connect the pair before the PULL
  // socket connects: the monitor drops events while nobody listens.
  void start_monitor() {
    const auto endpoint =
        fmt::format("inproc://rtmp-dispatcher-monitor-{}", static_cast<const void*>(this));
    if (zmq_socket_monitor(socket.handle(), endpoint.c_str(),
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
      throw zmq::error_t();
    }
    monitor = zmq::socket_t(context, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(endpoint);
  }

  void read_monitor() {
    zmq::message_t head;
    while (monitor.recv(head, zmq::recv_flags::dontwait)) {
      zmq::message_t where;  // second frame: the endpoint
      if (head.more()) (void)monitor.recv(where, zmq::recv_flags::dontwait);
      if (head.size() < sizeof(uint16_t)) continue;
      uint16_t event = 0;
      std::memcpy(&event, head.data(), sizeof event);
      if (event == ZMQ_EVENT_CONNECTED) {
        connected.fetch_add(1);
        spdlog::info("connected to ingest {}", where.to_string_view());
      } else if (event == ZMQ_EVENT_DISCONNECTED) {
        if (connected.load() > 0) connected.fetch_sub(1);
        if (!stopping.load()) spdlog::warn("lost connection to ingest {}", where.to_string_view());
      }
    }
  }

  void stop_monitor() {
    zmq_socket_monitor(socket.handle(), nullptr, 0);
    read_monitor();
    monitor.close();
    connected.store(0);
  }

  void pull_loop() {
    while (!stopping.load()) {
      read_monitor();
      pool.take_finished(done_events);
      done_events.clear();  // frees finished events here, on the thread that made them
      if (!pool.wait_for_room(options.poll_interval)) continue;  // backpressure
      zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0},
                                 {monitor.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, options.poll_interval);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      // Jobs go to the pool in batches (one lock, not one per job). The queue
      // stays within -hook-queue as before: `queued` is the pool's queue at the
      // last hand-off plus the jobs not handed yet; the pool only takes from it
      // meanwhile, so this never undercounts.
      size_t queued = pool.queued();
      for (int i = 0; i < kBatch && !stopping.load(); ++i) {
        zmq::message_t msg;
        if (!socket.recv(msg, zmq::recv_flags::dontwait)) break;
        handle(msg);
        if (jobs.size() >= kSubmitBatch) queued = pool.submit(jobs);
        if (queued + jobs.size() >= static_cast<size_t>(options.hook_queue)) break;
      }
      if (!jobs.empty()) pool.submit(jobs);
    }
    // Take what already reached our pipe, then leave: PUSH routes the rest to
    // other dispatchers. What is still on the wire at this instant is lost
    // (PUSH/PULL has no acknowledgment); draining first keeps that window short.
    const int drained = drain(2 * options.receive_hwm);
    for (const auto& endpoint : options.events_connect) {
      try {
        socket.disconnect(endpoint);
      } catch (const zmq::error_t&) {
      }
    }
    const int late = drain(2 * options.receive_hwm);
    spdlog::debug("took {} queued event(s) before disconnecting, {} after", drained, late);
    stop_monitor();
    socket.close();
    spdlog::info("dispatcher stopped pulling; finishing {} queued and {} running executions",
                 pool.queued(), pool.running());
  }

  // Handles the events already received, up to `limit`; returns how many.
  int drain(int limit) {
    int n = 0;
    zmq::message_t msg;
    while (n < limit && socket.recv(msg, zmq::recv_flags::dontwait)) {
      handle(msg);
      if (jobs.size() >= kSubmitBatch) pool.submit(jobs);
      ++n;
    }
    if (!jobs.empty()) pool.submit(jobs);
    return n;
  }

  void handle(const zmq::message_t& msg) {
    counters.events_received.fetch_add(1, std::memory_order_relaxed);
    common::tsan_acquire(msg.data());  // the emitter's tsan_release (inproc: same buffer)
    if (!scratch.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) {
      counters.events_malformed.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("dropped a malformed event message ({} bytes)", msg.size());
      return;
    }
    check_seq(scratch);
    const auto& hooks = router.match(scratch.type());
    if (hooks.empty() && !stdio.enabled()) return;
    if (hooks.empty()) {  // stdio only: no allocation per event
      stdio_json = common::render_json(scratch);
      write_stdio(scratch, stdio_json);
      return;
    }
    // The event and its payload share one allocation (and one count).
    struct Rendered {
      rtmphooks::Event event;
      std::string payload;
    };
    auto rendered = std::make_shared<Rendered>();
    rendered->event.Swap(&scratch);  // scratch gets the new, empty message
    rendered->payload = common::render_json(rendered->event);
    write_stdio(rendered->event, rendered->payload);
    const std::shared_ptr<const rtmphooks::Event> event(rendered, &rendered->event);
    const std::shared_ptr<const std::string> payload(rendered, &rendered->payload);
    for (const HookSpec& hook : hooks) jobs.push_back(Job{&hook, event, payload});
  }

  // Shutdown deadline passed: `left` never runs. One ERROR line counts them;
  // each one is named at DEBUG.
  void abandon(const std::deque<Job>& left) {
    size_t webhooks = 0;
    for (const Job& job : left) {
      webhooks += job.hook->kind == HookKind::webhook;
      spdlog::debug("abandoned {} {} id={} -> {}",
                    job.hook->kind == HookKind::webhook ? "webhook" : "script",
                    common::event_name(job.event->type()), job.event->id(), job.hook->target);
    }
    spdlog::error(
        "shutdown timeout: abandoned {} queued hook execution(s) ({} webhook, {} script), "
        "events {} to {}; {} running execution(s) end within -hook-timeout",
        left.size(), webhooks, left.size() - webhooks, left.front().event->id(),
        left.back().event->id(), pool.running());
  }

  void write_stdio(const rtmphooks::Event& event, const std::string& json) {
    if (!stdio.enabled()) return;
    const bool ok = stdio.write(event, json);
    counters.stdio.executions.fetch_add(1, std::memory_order_relaxed);
    if (!ok) counters.stdio.failures.fetch_add(1, std::memory_order_relaxed);
  }

  void check_seq(const rtmphooks::Event& ev) {
    const auto r = seq.observe(ev.ingest_id(), ev.seq());
    if (r.first) {
      spdlog::info("first event from ingest {} at seq {}", ev.ingest_id(), ev.seq());
      if (r.missing) {
        counters.seq_gaps.fetch_add(r.missing, std::memory_order_relaxed);
        spdlog::warn("seq gap: {} events of ingest {} before seq {} not seen by this dispatcher",
                     r.missing, ev.ingest_id(), ev.seq());
      }
      return;
    }
    if (r.missing == 0 && !r.out_of_order) return;
    if (r.missing) counters.seq_gaps.fetch_add(r.missing, std::memory_order_relaxed);
    ++gap_lines_pending;
    const auto now = Clock::now();
    if (now - last_gap_log < kGapLogInterval) return;
    last_gap_log = now;
    if (r.out_of_order) {
      spdlog::warn("ingest {}: seq {} arrived out of order ({} gap/order notes since last line)",
                   ev.ingest_id(), ev.seq(), gap_lines_pending);
    } else {
      spdlog::warn(
          "ingest {}: seq gap, {} event(s) missing before seq {} (total missing {}, "
          "{} gaps since last line; expected when several dispatchers share an ingest)",
          ev.ingest_id(), r.missing, ev.seq(), counters.seq_gaps.load(), gap_lines_pending);
    }
    gap_lines_pending = 0;
  }

  zmq::context_t& context;
  Options options;
  Counters counters;
  Router router;
  StdioSink stdio;
  WebhookRunner webhook;
  ScriptRunner script;
  Pool pool;
  SeqTracker seq;
  rtmphooks::Event scratch;  // puller thread only
  std::string stdio_json;    // puller thread only
  std::vector<Job> jobs;     // puller thread only: made, not yet handed to the pool
  std::vector<std::shared_ptr<const void>> done_events;  // puller thread only (take_finished)
  zmq::socket_t socket;
  zmq::socket_t monitor;               // PAIR reading the PULL socket's monitor
  std::atomic<uint64_t> connected{0};  // ingest connections up now
  std::thread puller;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};  // read by stats() from the metrics thread
  bool finished = false;
  Clock::time_point last_gap_log{};
  uint64_t gap_lines_pending = 0;
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

void Dispatcher::wait(Clock::time_point deadline) {
  Impl& i = *impl_;
  if (i.finished) return;
  if (i.puller.joinable()) i.puller.join();
  if (const auto left = i.pool.wait_idle_until(deadline); !left.empty()) i.abandon(left);
  i.pool.wait_idle();  // what runs now ends within its -hook-timeout
  i.webhook.stop();
  i.script.stop();
  i.finished = true;
  spdlog::info("dispatcher stopped");
}

Stats Dispatcher::stats() const {
  const Counters& c = impl_->counters;
  auto kind = [](const KindCounters& k) {
    return KindStats{k.executions.load(), k.failures.load(), k.retries.load()};
  };
  Stats s;
  s.webhook = kind(c.webhook);
  s.script = kind(c.script);
  s.stdio = kind(c.stdio);
  s.events_received = c.events_received.load();
  s.events_malformed = c.events_malformed.load();
  s.seq_gaps = c.seq_gaps.load();
  s.queue_depth = impl_->pool.queued();
  s.running = impl_->pool.running();
  s.connected = impl_->connected.load();
  s.pulling = impl_->started && !impl_->stopping.load();
  return s;
}

}  // namespace rtmp::dispatcher
