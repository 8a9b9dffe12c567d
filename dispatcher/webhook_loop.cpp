#include "dispatcher/webhook_loop.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/curl_epoll.hpp"
#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kResponseKeep = 256;  // bytes of a response body kept for logs
constexpr milliseconds kIdleWait{1000};
constexpr std::string_view kUserAgentHeader = "User-Agent: ";

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

size_t keep_response(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < kResponseKeep) out->append(data, std::min(len, kResponseKeep - out->size()));
  return len;
}

// A job as handed over, before it becomes a Request on the loop thread.
struct Incoming {
  Job job;
  JobDone done;
  Clock::time_point deadline;
};

// One webhook execution across its attempts. Recycled, with its easy handle
// (options set once) and header nodes, for the next job of the same loop.
struct Request {
  Job job;
  JobDone done;
  Clock::time_point deadline;
  Clock::time_point next_at;
  int attempt = 0;
  CURL* easy = nullptr;
  std::string url;  // the URL set on `easy` now
  // The header list, built in place: these nodes, then the loop's constant tail.
  curl_slist id_node{};
  curl_slist ts_node{};
  curl_slist sig_node{};
  std::string id_header;
  std::string ts_header;
  std::string sig_header;
  std::string response;
  char error[CURL_ERROR_SIZE] = {};
};

}  // namespace

struct WebhookLoop::Impl {
  Impl(const Options& o, Counters& c, int index)
      : options(o),
        counters(c),
        backoff(static_cast<int>(o.webhook_retries), o.retry_base, o.retry_max),
        rng(std::random_device{}()),
        user_agent(std::string(kUserAgentHeader) + "rtmp-hooks/" + RTMP_HOOKS_VERSION),
        no_proxy(!proxy_env_set()) {
    if (!o.webhook_secret.empty()) key = webhook_key(o.webhook_secret);
    global_init();
    content_type_node.data = content_type;
    content_type_node.next = &user_agent_node;
    user_agent_node.data = const_cast<char*>(user_agent.c_str());
    user_agent_node.next = &expect_node;
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
  // closes connections through `io`, destroyed after this).
  void close_all() {
    for (auto& r : requests)
      if (r->easy) curl_easy_cleanup(r->easy);
    requests.clear();
    if (multi) curl_multi_cleanup(multi);
    multi = nullptr;
    for (auto& [url, parsed] : urls) curl_url_cleanup(parsed);
    urls.clear();
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
    return std::max(wait, milliseconds(0));
  }

  Request* acquire(Incoming&& in) {
    Request* r = nullptr;
    if (spare.empty()) {
      requests.push_back(std::make_unique<Request>());
      r = requests.back().get();
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
    r.id_node.next = key.empty() ? &content_type_node : &r.ts_node;
    r.ts_node.next = &r.sig_node;
    r.sig_node.next = &content_type_node;
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, &r.id_node);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.response);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
    io.attach_easy(e);
    if (!options.webhook_ca_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, options.webhook_ca_file.c_str());
    if (no_proxy) {
      curl_easy_setopt(e, CURLOPT_PROXY, "");
      curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    } else {
      // A proxy's CONNECT request gets the user agent from this option only
      // (the header list goes to the server); the server still sees ours.
      curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str() + kUserAgentHeader.size());
    }
    return e;
  }

  void begin_attempt(Request* r) {
    ++r->attempt;
    if (!r->easy) r->easy = make_easy(*r);
    if (!r->easy) return finish(r, "curl_easy_init failed");
    const auto left = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    if (left <= milliseconds(0)) return finish(r, "timed out before attempt");
    set_headers(*r);
    r->response.clear();
    r->error[0] = '\0';
    CURL* e = r->easy;
    if (r->url != r->job.hook->target) {
      r->url = r->job.hook->target;
      curl_easy_setopt(e, CURLOPT_URL, r->url.c_str());
      curl_easy_setopt(e, CURLOPT_CURLU, parsed_url(r->url));
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->job.payload->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(r->job.payload->size()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    if (curl_multi_add_handle(multi, e) != CURLM_OK)
      return finish(r, "curl_multi_add_handle failed");
    ++active;
  }

  // The hook URL parsed once per loop: given as CURLOPT_CURLU, libcurl copies
  // it per transfer instead of parsing and re-assembling the URL string. Null
  // when curl_url_set rejects it: CURLOPT_URL alone then fails the transfer
  // with libcurl's own error, as before.
  CURLU* parsed_url(const std::string& url) {
    for (const auto& [text, parsed] : urls)
      if (text == url) return parsed;
    CURLU* parsed = curl_url();
    if (parsed && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
      curl_url_cleanup(parsed);
      parsed = nullptr;
    }
    urls.emplace_back(url, parsed);
    return parsed;
  }

  // Per attempt: webhook-id, and with a secret a fresh timestamp and signature.
  void set_headers(Request& r) {
    const std::string& id = r.job.event->id();
    r.id_header.assign("webhook-id: ").append(id);
    r.id_node.data = r.id_header.data();
    if (key.empty()) return;
    const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, ts).ptr;
    r.ts_header.assign("webhook-timestamp: ").append(digits, end);
    r.sig_header.assign("webhook-signature: ")
        .append(webhook_signature(key, id, ts, *r.job.payload));
    r.ts_node.data = r.ts_header.data();
    r.sig_node.data = r.sig_header.data();
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
      on_attempt_done(r, code);
    }
  }

  void on_attempt_done(Request* r, CURLcode code) {
    AttemptResult result;
    std::string cause;
    if (code != CURLE_OK) {
      result.transport_error = true;
      cause = std::string(curl_easy_strerror(code)) + (r->error[0] ? ": " : "") + r->error;
    } else {
      curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &result.status);
      if (is_success(result)) return finish(r, {});
      cause = "HTTP " + std::to_string(result.status);
      if (!r->response.empty()) cause += " " + r->response;
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    const auto delay = backoff.next_delay(result, r->attempt + 1, remaining, rng);
    if (!delay) {
      if (remaining <= milliseconds(0)) cause += " (hook timeout reached)";
      return finish(r, std::move(cause));
    }
    spdlog::error("webhook {} id={} -> {}: attempt {} failed: {}; retrying in {}ms",
                  common::event_name(r->job.event->type()), r->job.event->id(), r->job.hook->target,
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
    const Job job = std::move(r->job);
    const JobDone done = std::move(r->done);
    r->job = Job{};
    r->done = nullptr;
    spare.push_back(r);
    load.fetch_sub(1);
    done(job, result);
  }

  // ---- curl callbacks (loop thread, inside curl calls)

  const Options& options;
  Counters& counters;
  Backoff backoff;
  std::mt19937_64 rng;
  std::string key;
  // "User-Agent: ..." as a header of the list, not CURLOPT_USERAGENT: libcurl
  // then writes it once per request instead of formatting it twice.
  const std::string user_agent;
  const bool no_proxy;  // no proxy variable set: skip libcurl's lookup per request
  char content_type[31] = "Content-Type: application/json";
  char expect[8] = "Expect:";
  curl_slist content_type_node{};
  curl_slist user_agent_node{};
  curl_slist expect_node{};
  std::vector<std::pair<std::string, CURLU*>> urls;  // parsed_url(): one per hook URL
  CurlEpoll io;  // before `multi`: its callbacks outlive the multi handle
  CURLM* multi = nullptr;
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
  int active = 0;                                  // easy handles in the multi
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
