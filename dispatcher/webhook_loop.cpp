#include "dispatcher/webhook_loop.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/curl_epoll.hpp"
#include "dispatcher/http1.hpp"
#include "dispatcher/kept_connections.hpp"
#include "dispatcher/signature.hpp"
#include "dispatcher/webhook_request.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kIdleWait{1000};

thread_local const void* t_running_loop = nullptr;  // the Impl whose run() is on this thread

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Whether libcurl would find a proxy setting in the environment. It reads these
// variables on every transfer; when none is set, telling it "no proxy" up front
// behaves the same and saves five environment scans per request.
bool proxy_env_set() {
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                           "no_proxy", "NO_PROXY"})
    if (std::getenv(name)) return true;
  return false;
}

// A job as handed over, before it becomes a Request on the loop thread.
struct Incoming {
  Job job;
  JobDone done;
  Clock::time_point deadline;
};

using Request = WebhookRequest;

}  // namespace

struct WebhookLoop::Impl {
  Impl(const Options& o, Counters& c, int index)
      : options(o),
        counters(c),
        backoff(static_cast<int>(o.webhook_retries), o.retry_base, o.retry_max),
        rng(std::random_device{}()),
        user_agent(std::string("rtmp-hooks/") + RTMP_HOOKS_VERSION),
        no_proxy(!proxy_env_set()),
        fixed_headers("User-Agent: " + user_agent +
                      "\r\nAccept: */*\r\nContent-Type: application/json\r\n"),
        kept(io, static_cast<size_t>(std::max<int64_t>(o.hook_concurrency, 1)), &Impl::on_kept,
             this) {
    if (!o.webhook_secret.empty()) key = webhook_key(o.webhook_secret);
    global_init();
    content_type_node.data = content_type;
    content_type_node.next = &expect_node;
    expect_node.data = expect;
    try {
      open();
    } catch (...) {
      close_all();
      throw;
    }
    thread = std::thread([this, index] {
      const std::string name = "webhook-loop-" + std::to_string(index);  // 15 chars max
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      run();
    });
  }

  ~Impl() {
    shutdown();
    close_all();
  }

  void open() {
    multi = curl_multi_init();
    if (!multi) throw std::runtime_error("curl_multi_init failed");
    const long conns = static_cast<long>(std::max<int64_t>(options.hook_concurrency, 1));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
    io.attach_multi(multi);
  }

  // After the thread has ended: easy handles, then the multi handle (its cache
  // closes connections through on_close_socket, with a request as its data),
  // then the requests. `io` and `kept` go after this.
  void close_all() {
    for (auto& r : requests)
      if (r->easy) curl_easy_cleanup(r->easy);
    if (multi) curl_multi_cleanup(multi);
    multi = nullptr;
    requests.clear();
  }

  // ---- any thread

  void submit(Job job, JobDone done) {
    load.fetch_add(1);
    Incoming in{std::move(job), std::move(done), Clock::now() + options.hook_timeout};
    if (t_running_loop == this) {
      local.push_back(std::move(in));
      return;
    }
    {
      std::lock_guard lock(mutex);
      incoming.push_back(std::move(in));
    }
    if (!wake_pending.exchange(true)) io.wake();
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake_pending.store(true);
    io.wake();
    if (thread.joinable()) thread.join();
  }

  // ---- loop thread

  void run() {
    t_running_loop = this;
    for (;;) {
      start_new();
      start_due();
      if (stop_seen && idle() && nothing_incoming()) break;
      kept_deadline = kept.expire(Clock::now());
      if (io.run_once(wait())) take_incoming();
      collect();
    }
    t_running_loop = nullptr;
  }

  void take_incoming() {
    wake_pending.store(false);
    std::lock_guard lock(mutex);
    for (auto& in : incoming) local.push_back(std::move(in));
    incoming.clear();
    stop_seen = stopping;
  }

  bool idle() const { return local.empty() && waiting.empty() && active == 0; }

  bool nothing_incoming() {
    std::lock_guard lock(mutex);
    return incoming.empty();
  }

  // Starts every job handed over since the last turn. A job finishing early
  // (timed out before its attempt) may start the next one: new ones go to `local`.
  void start_new() {
    while (!local.empty()) {
      batch.swap(local);
      for (auto& in : batch) begin_attempt(acquire(std::move(in)));
      batch.clear();
    }
  }

  // Starts every retry whose time has come.
  void start_due() {
    if (waiting.empty()) return;
    const auto now = Clock::now();
    for (size_t i = 0; i < waiting.size();) {
      if (waiting[i]->next_at > now) {
        ++i;
        continue;
      }
      Request* r = waiting[i];
      waiting[i] = waiting.back();
      waiting.pop_back();
      begin_attempt(r);
    }
  }

  // Longest wait before the next turn: none while jobs wait to start, else
  // until the first retry is due (CurlEpoll also bounds it by curl's timer).
  milliseconds wait() const {
    if (!local.empty()) return milliseconds(0);
    const auto now = Clock::now();
    auto wait = kIdleWait;
    for (const Request* r : waiting)
      wait = std::min(wait, std::chrono::ceil<milliseconds>(r->next_at - now));
    if (kept_deadline) wait = std::min(wait, std::chrono::ceil<milliseconds>(*kept_deadline - now));
    return std::max(wait, milliseconds(0));
  }

  Request* acquire(Incoming&& in) {
    Request* r = nullptr;
    if (spare.empty()) {
      requests.push_back(std::make_unique<Request>());
      r = requests.back().get();
      r->loop = this;
    } else {
      r = spare.back();
      spare.pop_back();
    }
    r->job = std::move(in.job);
    r->done = std::move(in.done);
    r->deadline = in.deadline;
    r->attempt = 0;
    return r;
  }

  // The options every request of this loop shares, set once per easy handle.
  CURL* make_easy(Request& r) {
    CURL* e = curl_easy_init();
    if (!e) return nullptr;
    r.attach_headers(&content_type_node, !key.empty());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, &r.id_node);
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, webhook_keep_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, webhook_header_line);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
    io.attach_easy(e);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, &r);
    if (!options.webhook_ca_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, options.webhook_ca_file.c_str());
    if (no_proxy) {
      curl_easy_setopt(e, CURLOPT_PROXY, "");
      curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    }
    return e;
  }

  void begin_attempt(Request* r) {
    ++r->attempt;
    start_attempt(r, true);
  }

  // Sends the attempt over a kept connection when there is one (and `kept_ok`),
  // else through libcurl.
  void start_attempt(Request* r, bool kept_ok) {
    const auto now = Clock::now();
    const auto left = std::chrono::duration_cast<milliseconds>(r->deadline - now);
    if (left <= milliseconds(0)) return finish(r, "timed out before attempt");
    r->set_headers(key);
    if (r->target_url != r->job.hook.target) {
      r->target_url = r->job.hook.target;
      r->target = lean_target(r->target_url);
    }
    if (kept_ok && r->target && kept.idle(r->target->origin) > 0) {
      r->build_wire(fixed_headers, !key.empty());
      if (kept.send(r->target->origin, r->wire, now + left, r)) {
        ++active;
        return;
      }
    }
    start_curl(r, left);
  }

  // The http1 view of a target, when kept connections may carry its requests.
  const http1::Target* lean_target(const std::string& url) {
    if (!no_proxy) return nullptr;
    auto it = targets.find(url);
    if (it == targets.end()) it = targets.emplace(url, http1::parse_target(url)).first;
    return it->second ? &*it->second : nullptr;
  }

  void start_curl(Request* r, milliseconds left) {
    if (!r->easy) r->easy = make_easy(*r);
    if (!r->easy) return finish(r, "curl_easy_init failed");
    r->response.clear();
    r->error[0] = '\0';
    CURL* e = r->easy;
    if (r->url != r->job.hook.target) {
      r->url = r->job.hook.target;
      curl_easy_setopt(e, CURLOPT_URL, r->url.c_str());
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->job.payload->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(r->job.payload->size()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    // A connection to a lean target is closed after the transfer, by our close
    // callback: collect() then takes it over if the response left it reusable.
    r->adopt = r->target != nullptr;
    if (r->adopt != r->forbid_reuse) {
      r->forbid_reuse = r->adopt;
      curl_easy_setopt(e, CURLOPT_FORBID_REUSE, r->adopt ? 1L : 0L);
    }
    r->head.reset();
    r->closed.clear();
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
      r->adopt = false;
      return finish(r, "curl_multi_add_handle failed");
    }
    ++active;
  }

  // Handles every finished transfer: success, retry or failure.
  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      const CURLcode code = msg->data.result;
      Request* r = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, &r);
      curl_multi_remove_handle(multi, e);
      --active;
      if (r->adopt) take_over(r, code);
      AttemptResult result;
      std::string cause;
      if (code != CURLE_OK) {
        result.transport_error = true;
        cause = std::string(curl_easy_strerror(code)) + (r->error[0] ? ": " : "") + r->error;
      } else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &result.status);
      }
      attempt_done(r, result, std::move(cause), r->response);
    }
  }

  // The sockets libcurl closed during an adopting transfer: the one that
  // carried it is kept if the response left it reusable, the rest closed.
  void take_over(Request* r, CURLcode code) {
    r->adopt = false;
    long port = 0;
    if (code != CURLE_OK || !r->head.reusable() ||
        curl_easy_getinfo(r->easy, CURLINFO_LOCAL_PORT, &port) != CURLE_OK)
      port = 0;
    kept.adopt_one(r->target->origin, r->closed, port);
  }

  // A request on a kept connection ended.
  static void on_kept(void* owner, void* tag, KeptConnections::Outcome&& o) {
    auto* self = static_cast<Impl*>(owner);
    auto* r = static_cast<Request*>(tag);
    --self->active;
    if (o.stale) return self->start_attempt(r, false);  // again, on a fresh connection
    AttemptResult result;
    result.transport_error = o.transport_error;
    result.status = o.status;
    self->attempt_done(r, result, std::move(o.cause), o.body);
  }

  // libcurl closes a socket: one of an adopting transfer waits for collect().
  static int on_close_socket(void* user, curl_socket_t s) {
    auto* r = static_cast<Request*>(user);
    auto* self = static_cast<Impl*>(r->loop);
    if (!r->adopt) return CurlEpoll::close_socket(self->io, s);
    self->io.forget(s);
    r->closed.push_back(s);
    return 0;
  }

  // Success, retry or failure of one attempt, whichever way it went.
  void attempt_done(Request* r, const AttemptResult& result, std::string cause,
                    const std::string& response) {
    if (!result.transport_error) {
      if (is_success(result)) return finish(r, {});
      cause = "HTTP " + std::to_string(result.status);
      if (!response.empty()) cause += " " + response;
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    const auto delay = backoff.next_delay(result, r->attempt + 1, remaining, rng);
    if (!delay) {
      if (remaining <= milliseconds(0)) cause += " (hook timeout reached)";
      return finish(r, std::move(cause));
    }
    spdlog::error("webhook {} id={} -> {}: attempt {} failed: {}; retrying in {}ms",
                  common::event_name(r->job.event->type()), r->job.event->id(), r->job.hook.target,
                  r->attempt, cause, delay->count());
    counters.webhook.retries.fetch_add(1, std::memory_order_relaxed);
    r->next_at = Clock::now() + *delay;
    waiting.push_back(r);
  }

  // Recycles the request, then reports: the completion may submit the next job
  // (to `local`), which can reuse this very request.
  void finish(Request* r, std::string cause) {
    JobResult result;
    result.ok = cause.empty();
    result.cause = std::move(cause);
    result.attempts = r->attempt;
    JobDone done = std::move(r->done);
    r->done = nullptr;
    r->job = Job{};
    spare.push_back(r);
    load.fetch_sub(1);
    done(result);
  }

  // ---- curl callbacks (loop thread, inside curl calls)

  const Options& options;
  Counters& counters;
  Backoff backoff;
  std::mt19937_64 rng;
  std::string key;
  const std::string user_agent;
  const bool no_proxy;              // no proxy variable set: skip libcurl's lookup per request
  const std::string fixed_headers;  // of a request on a kept connection
  char content_type[31] = "Content-Type: application/json";
  char expect[8] = "Expect:";
  curl_slist content_type_node{};
  curl_slist expect_node{};
  CurlEpoll io;  // before `multi`: its callbacks outlive the multi handle
  CURLM* multi = nullptr;
  KeptConnections kept;  // after `io`, which it uses
  std::unordered_map<std::string, std::optional<http1::Target>> targets;  // by URL
  std::optional<Clock::time_point> kept_deadline;  // of the first request in flight there
  std::atomic<int> load{0};
  std::atomic<bool> wake_pending{false};
  std::mutex mutex;
  std::vector<Incoming> incoming;  // guarded by mutex
  bool stopping = false;           // guarded by mutex
  // Loop thread only:
  std::vector<Incoming> local;                     // to start this turn
  std::vector<Incoming> batch;                     // start_new()'s working copy
  std::vector<Request*> waiting;                   // retries waiting for next_at
  std::vector<std::unique_ptr<Request>> requests;  // every request made (<= concurrency)
  std::vector<Request*> spare;                     // requests free for reuse
  int active = 0;  // attempts in flight (libcurl transfers and kept connections)
  bool stop_seen = false;
  std::thread thread;
};

WebhookLoop::WebhookLoop(const Options& options, Counters& counters, int index)
    : impl_(std::make_unique<Impl>(options, counters, index)) {}

WebhookLoop::~WebhookLoop() = default;

void WebhookLoop::submit(Job job, JobDone done) {
  impl_->submit(std::move(job), std::move(done));
}

void WebhookLoop::shutdown() {
  impl_->shutdown();
}

int WebhookLoop::load() const {
  return impl_->load.load(std::memory_order_relaxed);
}

bool WebhookLoop::on_loop_thread() const {
  return t_running_loop == impl_.get();
}

}  // namespace rtmp::dispatcher
