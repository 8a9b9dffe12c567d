#include "ingest/app/ingest_app.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <thread>
#include <zmq.hpp>

#include "common/metrics.hpp"
#include "dispatcher/dispatcher.hpp"
#include "dispatcher/dispatcher_metrics.hpp"
#include "ingest/api/api_server.hpp"
#include "ingest/api/dashboard/dashboard.hpp"
#include "ingest/api/event_hub.hpp"
#include "ingest/api/stats_sampler.hpp"
#include "ingest/app/ingest_metrics.hpp"
#include "ingest/app/second_signal.hpp"
#include "ingest/events/zmq_emitter.hpp"
#include "ingest/registry/stream_registry.hpp"
#include "ingest/server/server.hpp"
#include "ingest/server/tls_context.hpp"
#include "ingest/srt/srt_listener.hpp"

namespace rtmp::server {
namespace {

namespace net = boost::asio;

SessionOptions session_options(const IngestOptions& o) {
  SessionOptions s;
  s.connection.out_chunk_size = static_cast<uint32_t>(o.chunk_size);
  s.connection.limits.max_message_size = static_cast<uint32_t>(o.max_message_size);
  s.connection.limits.max_chunk_streams = static_cast<uint32_t>(o.max_chunk_streams);
  s.connection.limits.max_partial_bytes = static_cast<uint64_t>(effective_max_partial_bytes(o));
  s.handshake_timeout = o.handshake_timeout;
  s.idle_timeout = o.idle_timeout;
  s.write_timeout = o.write_timeout;
  s.player_queue = static_cast<uint32_t>(o.player_queue);
  s.merge_write = o.merge_write;
  s.merge_write_bytes = static_cast<size_t>(o.merge_write_bytes);
  return s;
}

// Waits (running handlers meanwhile) until every session has ended or the
// deadline passes. The work guard keeps the io_context running when it has
// nothing queued: a session can still be held by work on another thread (an
// auth callback in flight, an SRT publisher's relay) whose completion is
// posted later, and an io_context that ran dry would never run it.
void drain_sessions(net::io_context& ioc, Server& server,
                    std::chrono::steady_clock::time_point deadline, common::Duration timeout) {
  const auto guard = net::make_work_guard(ioc);
  while (server.open_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(std::chrono::milliseconds(20));
  }
  if (server.open_sessions() > 0)
    spdlog::warn("shutdown: {} sessions still open after {} ms", server.open_sessions(),
                 timeout.count());
}

// The embedded stdio hook, written on the emitter thread as each event is
// numbered.
class EmbeddedStdio final : public events::EventObserver {
 public:
  explicit EmbeddedStdio(dispatcher::Dispatcher& hooks) : hooks_(hooks) {}
  void observe(const rtmphooks::Event& event) noexcept override { hooks_.write_stdio(event); }
  void flush() noexcept override { hooks_.flush_stdio(); }

 private:
  dispatcher::Dispatcher& hooks_;
};

// New connections get the new certificate; those already made keep theirs.
void reload_tls(TlsContext& tls) {
  std::string error;
  if (tls.reload(error)) {
    spdlog::info("SIGHUP: TLS certificate reloaded: {}", tls.describe());
  } else {
    spdlog::error("SIGHUP: TLS certificate not reloaded, keeping the previous one: {}", error);
  }
}

}  // namespace

int run_ingest(IngestOptions o) {
  effective_max_partial_bytes(o);  // cross-flag errors, before anything is bound
  events::resolve_node_id(o.events);
  check_tls_flags(o);
  srt::check_srt_flags(o.srt);
  api::check_api_flags(o.api);
  relay::finish_relay_options(o.relay);
  dispatcher::check_hook_options(o.hooks);
  dispatcher::warn_unrunnable_scripts(o.hooks);
  dispatcher::warn_options_without_hooks(o.hooks);
  o.relay.queue = static_cast<size_t>(o.player_queue);
  o.relay.merge_write = o.merge_write;
  o.relay.merge_write_bytes = static_cast<size_t>(o.merge_write_bytes);
  zmq::context_t zmq_context;
  const bool embedded = o.hooks_enabled();
  if (embedded) o.events.embedded_endpoint = events::kEmbeddedEventsEndpoint;

  // Startup: everything that can fail does so here, before we serve.
  common::metrics::Registry metrics;
  if (embedded) {
    o.hooks.on_hook_done = dispatcher::hook_duration_observer(metrics);
    o.hooks.node_counters = dispatcher::node_counters_factory(metrics);
  }
  auto authorizer = auth::make_authorizer(o.auth);
  std::unique_ptr<TlsContext> tls;
  if (!o.tls_listen.empty()) tls = std::make_unique<TlsContext>(o.tls_cert, o.tls_key);
  // The API's live event stream sees every event the emitter numbers; it is
  // made first so it outlives the emitter's thread.
  std::unique_ptr<api::EventHub> event_hub;
  if (!o.api.address.empty()) {
    event_hub = std::make_unique<api::EventHub>(static_cast<size_t>(o.api.events_ring));
    o.events.observers.push_back(event_hub.get());
  }
  // The embedded hooks are made before the emitter, which writes their stdio
  // lines, and start pulling once it is bound.
  std::unique_ptr<dispatcher::Dispatcher> hooks;
  std::unique_ptr<EmbeddedStdio> embedded_stdio;
  if (embedded) {
    o.hooks.events_connect = {events::kEmbeddedEventsEndpoint};
    // Nothing else pulls from the embedded endpoint: a seq gap there is a loss.
    o.hooks.sole_consumer = true;
    // The stdio hook is written as each event is numbered, not when the hooks
    // pull it: a full hook queue (slow webhooks or scripts) stops the pulling,
    // and the stdio lines must not wait for it.
    o.hooks.stdio_by_embedder = !o.hooks.stdio_format.empty();
    hooks = std::make_unique<dispatcher::Dispatcher>(zmq_context, o.hooks);
    if (o.hooks.stdio_by_embedder) {
      embedded_stdio = std::make_unique<EmbeddedStdio>(*hooks);
      o.events.observers.push_back(embedded_stdio.get());
      o.events.stderr_has_every_event = o.hooks.stdio_format == "json";
    }
  }
  events::ZmqEmitter emitter(zmq_context, o.events);
  if (hooks) hooks->start();

  registry::StreamRegistry streams(emitter,
                                   registry::StreamLimits{static_cast<size_t>(o.gop_cache_bytes)});
  SessionCounters counters;
  // A file over the size limit (ulimit -f) is a write error (EFBIG) that ends
  // one recording, not a signal that kills the server.
  std::signal(SIGXFSZ, SIG_IGN);
  std::unique_ptr<record::Recorder> recorder;
  if (o.record.enabled()) recorder = std::make_unique<record::Recorder>(o.record, emitter);
  SessionContext ctx{session_options(o), streams,        emitter, *authorizer,
                     counters,           recorder.get(), &o.relay};

  const int threads = o.threads > 0 ? static_cast<int>(o.threads)
                                    : std::max(1u, std::thread::hardware_concurrency());
  net::io_context ioc(threads);
  // Signals are caught before the port opens: a SIGTERM or SIGHUP sent as
  // soon as something listens must not meet their default action (exit).
  auto stop_at = std::chrono::steady_clock::time_point::max();  // when the signal came
  // Set by the first SIGTERM/SIGINT: /readyz answers 503 from then on, so a
  // balancer stops sending players and publishers while the drain runs.
  std::atomic<bool> stopping{false};
  // SRT publishers run on threads of their own (libsrt blocks); relays of
  // theirs run on `ioc`.
  std::unique_ptr<srt::SrtListener> srt_listener;
  if (o.srt.enabled())
    srt_listener =
        std::make_unique<srt::SrtListener>(o.srt, srt::SrtContext{ctx, ioc, o.max_connections});
  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  // The embedded hooks' scripts must not outlive the exit, and what they
  // abandon gets its dead letters (2 s for the disk at most).
  SecondSignal second(
      "sessions still ending, recordings not completed, events and hook executions not yet "
      "delivered",
      [&hooks] {
        return hooks ? "; hooks: " + hooks->abandon_now(std::chrono::seconds(2)) : std::string();
      });
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          std::vector<std::string> what;
          if (!o.auth.file.empty()) what.emplace_back("-auth-file");
          if (tls) what.emplace_back("-tls-cert/-tls-key");
          if (srt_listener && !o.srt.passphrase_file.empty())
            what.emplace_back("-srt-passphrase-file");
          if (what.empty())
            spdlog::info(
                "SIGHUP: nothing to reload (no -auth-file, -tls-cert or "
                "-srt-passphrase-file)");
          else
            spdlog::info("SIGHUP: reloading {}", fmt::join(what, ", "));
          authorizer->reload();
          if (tls) reload_tls(*tls);
          if (srt_listener) srt_listener->reload();
          signals.async_wait(on_signal);
          return;
        }
        second.arm();
        // A signal asio took before arm() waits here (the drain runs `ioc`).
        signals.async_wait([&second](const boost::system::error_code& again_ec, int again_sig) {
          if (!again_ec && again_sig != SIGHUP) second.exit(again_sig);
        });
        spdlog::info("signal {}: shutting down", sig);
        stopping.store(true);
        stop_at = std::chrono::steady_clock::now();
        ioc.stop();
      };
  signals.async_wait(on_signal);
  Server server(ioc, ctx, o.max_connections);
  server.listen(o.listen);
  if (tls) server.listen_tls(o.tls_listen, *tls);
  if (srt_listener) srt_listener->listen();

  std::unique_ptr<api::StatsSampler> sampler;
  if (event_hub || o.api.stats_interval > common::Duration::zero())
    sampler =
        std::make_unique<api::StatsSampler>(streams.directory(), emitter, o.api.stats_interval);
  register_ingest_metrics(metrics, counters, streams, emitter, hooks.get());
  std::unique_ptr<api::ApiMetrics> api_metrics;
  std::unique_ptr<api::ApiServer> api_server;
  if (event_hub) {
    api_metrics = std::make_unique<api::ApiMetrics>(metrics, *event_hub);
    api::ApiContext api_ctx{
        streams.directory(),
        *sampler,
        *event_hub,
        [&server, &srt_listener](const std::string& conn_id, events::StopReason reason,
                                 const std::string& why) {
          return server.close_connection(conn_id, reason, why) ||
                 (srt_listener && srt_listener->close_connection(conn_id, reason, why));
        },
        {{"/", api::Page{"text/html; charset=utf-8", api::dashboard_page(),
                         api::kDashboardContentSecurityPolicy}}},
        api_metrics.get()};
    api_server = std::make_unique<api::ApiServer>(o.api, std::move(api_ctx));
  }

  std::unique_ptr<common::HttpServer> http;
  if (!o.http.address.empty()) {
    http = std::make_unique<common::HttpServer>(
        o.http, [&metrics] { return metrics.render(); },
        [&emitter, embedded, &stopping] {
          return !stopping.load() && (embedded || emitter.stats().buffered == 0);
        });
  }

  server.start();
  if (srt_listener) {
    srt_listener->start();
    spdlog::info("SRT on {} (port {}), latency {} ms{}", o.srt.listen, srt_listener->port(),
                 o.srt.latency_ms,
                 o.srt.passphrase.empty() && o.srt.passphrase_file.empty() ? "" : ", encrypted");
  }
  if (tls)
    spdlog::info("RTMPS on {} (port {}), certificate {}", o.tls_listen, server.tls_port(),
                 tls->describe());
  if (http) spdlog::info("metrics on {} (port {})", o.http.address, http->port());
  if (api_server)
    spdlog::info("rtmp-ingest API on {} (port {}){}", o.api.address, api_server->port(),
                 o.api.token.empty() ? "" : ", bearer token required");
  spdlog::info("rtmp-ingest listening on {} (port {}), node {}, events to {}", o.listen,
               server.port(), o.events.node_id,
               emitter.endpoints().empty()
                   ? std::string("stderr as JSON lines (no -hook-* and no -events-bind given)")
                   : fmt::format("{}", fmt::join(emitter.endpoints(), ", ")));

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();

  // Graceful: stop accepting, end every session (each emits its stop and
  // close events), then flush events to the dispatchers. -shutdown-timeout
  // from the signal bounds the sessions and the embedded hook queue together.
  if (stop_at == std::chrono::steady_clock::time_point::max())
    stop_at = std::chrono::steady_clock::now();
  const auto deadline = stop_at + o.shutdown_timeout;
  server.stop_accepting();
  ioc.restart();
  server.close_all("server shutting down");
  // SRT publishers end on their own threads (stop events as for RTMP) and
  // are joined here; their relays' ends run in the drain below.
  if (srt_listener) srt_listener->stop();
  drain_sessions(ioc, server, deadline, o.shutdown_timeout);
  // Ended publishers ended their recordings: let them complete their files
  // and emit their events before the emitter stops.
  if (recorder) recorder->stop(deadline);
  signals.cancel();
  // The sampler emits: it stops before the emitter. The emitter's stop hands
  // the hub every event, the shutdown's own included, so the API's
  // live-event clients get them all before it closes; the API reads the
  // sampler's figures until then.
  if (sampler) sampler->stop();
  emitter.stop();
  if (api_server) {
    // Time for the clients to read the teardown's events, even when the
    // sessions took the whole -shutdown-timeout.
    api_server->stop(
        std::max(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
  }
  api_server.reset();
  sampler.reset();
  if (hooks) {
    hooks->request_stop();
    hooks->wait(deadline);
  }
  http.reset();
  // Refuses checks still waiting on a callback; their completions post to
  // session strands, so this happens while the io_context still exists.
  authorizer.reset();
  const auto stats = emitter.stats();
  spdlog::info("rtmp-ingest stopped: {} events emitted, {} sent, {} to stdio fallback, {} dropped",
               stats.emitted, stats.sent, stats.fallback, stats.dropped);
  return 0;
}

}  // namespace rtmp::server
