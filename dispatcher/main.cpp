// rtmp-dispatcher: parse flags, pull events, run hooks until SIGTERM/SIGINT.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <zmq.hpp>

#include "common/fd_limit.hpp"
#include "common/flags.hpp"
#include "common/forced_exit.hpp"
#include "common/http_server.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"
#include "dispatcher/dispatcher.hpp"
#include "dispatcher/dispatcher_metrics.hpp"
#include "dispatcher/replay.hpp"

namespace {
// A second stop signal: the operator stopped waiting. The dead letters of
// what is abandoned get this long to reach the disk, no more (a stuck disk
// must not hold the exit).
constexpr std::chrono::milliseconds kForcedFlush{2000};
}  // namespace

int main(int argc, char** argv) {
  using namespace rtmp;
  // Its stdout (logs, the stdio hook) may be a pipe whose reader goes away:
  // that costs the lines, not the process.
  ::signal(SIGPIPE, SIG_IGN);
  common::raise_fd_limit();
  common::FlagSet flags("rtmp-dispatcher", "RTMP_DISPATCHER_");
  dispatcher::Options options;
  common::LogOptions log_options;
  common::HttpServerOptions http_options;
  dispatcher::register_dispatcher_flags(flags, options);
  dispatcher::register_hook_flags(flags, options);
  common::Duration shutdown_timeout = std::chrono::seconds(10);
  flags.add_duration("shutdown-timeout", &shutdown_timeout, shutdown_timeout,
                     "on SIGTERM, longest wait for queued hook executions; those still queued "
                     "then are abandoned (logged), running ones end within -hook-timeout");
  std::string replay;
  flags.add_string("replay", &replay, "",
                   "deliver the dead letters of this -dead-letter file again through hooks of "
                   "their kinds, print what succeeded and what failed, write the failures to a "
                   "new file (-dead-letter, else FILE.failed-<UTC time>) and exit 1 if any "
                   "failed; needs no -hook-* or -events-connect flags");
  common::register_http_flags(flags, http_options);
  common::register_log_flags(flags, log_options);
  common::parse_flags_or_exit(flags, argc, argv);
  dispatcher::apply_connect_default(options);
  try {
    dispatcher::check_hook_options(options);
  } catch (const std::exception& e) {
    return common::startup_failure("rtmp-dispatcher", e.what());
  }

  // Signals are taken by sigwait below; every thread started later inherits the
  // mask. Blocked before init_logging: its writer thread must not be the one a
  // SIGTERM arriving during startup is delivered to (default action: killed).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  // SIGHUP too: sent by reloads (systemctl reload, logrotate), a closing
  // terminal or an orphaned process group, its default action would kill the
  // dispatcher with its queue. There is nothing to reload: it is logged and
  // ignored.
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  common::init_logging(log_options);
  if (auto unknown = flags.unknown_environment_warning(); !unknown.empty())
    spdlog::warn("{}", unknown);
  dispatcher::warn_unrunnable_scripts(options);
  if (!replay.empty()) {
    // A one-shot command: Ctrl-C and SIGTERM end it at once (the input file
    // is never changed, so nothing is lost).
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    const int status = dispatcher::run_replay(replay, options);
    common::shutdown_logging();
    return status;
  }
  if (!dispatcher::has_hooks(options)) {
    // It would take its share of the events and drop every one.
    return common::startup_failure(
        "rtmp-dispatcher",
        "no hook configured: give -hook-webhook, -hook-script, -hook-nats or -hook-stdio-format "
        "(or their RTMP_DISPATCHER_* variables)");
  }

  try {
    zmq::context_t context(1);
    common::metrics::Registry metrics;  // outlives the dispatcher and the HTTP server
    options.on_hook_done = dispatcher::hook_duration_observer(metrics);
    options.node_counters = dispatcher::node_counters_factory(metrics);
    dispatcher::Dispatcher d(context, std::move(options));
    dispatcher::register_dispatcher_metrics(metrics, d);
    // Bound before pulling starts, so a bad -metrics-addr fails startup cleanly.
    std::unique_ptr<common::HttpServer> http;
    if (!http_options.address.empty()) {
      http = std::make_unique<common::HttpServer>(
          http_options, [&metrics] { return metrics.render(); },
          [&d] {
            const auto s = d.stats();
            return s.pulling && s.connected > 0;  // ready: pulling from a live ingest
          });
      spdlog::info("metrics on {} (port {})", http_options.address, http->port());
    }
    d.start();
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP)
      spdlog::info("SIGHUP: rtmp-dispatcher has nothing to reload; ignored");
    spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    // A second one abandons the drain. The signals stay blocked everywhere, so
    // this thread is the one that takes it; once the drain is over, it is
    // woken by a signal of its own and told to end before logging stops.
    std::atomic<bool> drained{false};
    std::thread again_waiter([stop_signals, &drained, &d] {
      int again = 0;
      while (sigwait(&stop_signals, &again) == 0) {
        if (drained.load()) return;
        if (again != SIGHUP) common::exit_now(again, d.abandon_now(kForcedFlush));
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + shutdown_timeout;
    d.request_stop();
    d.wait(deadline);
    http.reset();
    drained.store(true);
    pthread_kill(again_waiter.native_handle(), SIGHUP);
    again_waiter.join();
  } catch (const std::exception& e) {
    return common::startup_failure("rtmp-dispatcher", e.what());
  }
  common::shutdown_logging();
  return 0;
}
