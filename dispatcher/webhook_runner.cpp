#include "dispatcher/webhook_runner.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr size_t kResponseKeep = 256;  // bytes of a response body kept for logs

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t keep_response(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < kResponseKeep) out->append(data, std::min(len, kResponseKeep - out->size()));
  return len;
}

// One webhook execution across its attempts.
struct Request {
  Job job;
  JobDone done;
  Clock::time_point deadline;
  Clock::time_point next_at;
  int attempt = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string response;
  char error[CURL_ERROR_SIZE] = {};
};

}  // namespace

struct WebhookRunner::Loop {
  Loop(const Options& o, Counters& c)
      : options(o),
        counters(c),
        backoff(static_cast<int>(o.webhook_retries), o.retry_base, o.retry_max),
        rng(std::random_device{}()) {
    if (!o.webhook_secret.empty()) key = webhook_key(o.webhook_secret);
    global_init();
    multi = curl_multi_init();
    if (!multi) throw std::runtime_error("curl_multi_init failed");
    const long conns = static_cast<long>(std::max<int64_t>(o.hook_concurrency, 1));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
    user_agent = std::string("rtmp-hooks/") + RTMP_HOOKS_VERSION;
    thread = std::thread([this] { run(); });
  }

  ~Loop() {
    shutdown();
    curl_multi_cleanup(multi);
  }

  void submit(Job job, JobDone done) {
    auto r = std::make_unique<Request>();
    r->job = std::move(job);
    r->done = std::move(done);
    r->deadline = Clock::now() + options.hook_timeout;
    r->next_at = Clock::now();
    {
      std::lock_guard lock(mutex);
      incoming.push_back(std::move(r));
    }
    curl_multi_wakeup(multi);
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    curl_multi_wakeup(multi);
    if (thread.joinable()) thread.join();
  }

  void run() {
    for (;;) {
      {
        std::lock_guard lock(mutex);
        for (auto& r : incoming) waiting.push_back(std::move(r));
        incoming.clear();
        if (stopping && waiting.empty() && active == 0) return;
      }
      start_due();
      int still = 0;
      curl_multi_perform(multi, &still);
      collect();
      curl_multi_poll(multi, nullptr, 0, poll_timeout_ms(), nullptr);
    }
  }

  // Starts every request whose (re)try time has come.
  void start_due() {
    const auto now = Clock::now();
    for (auto it = waiting.begin(); it != waiting.end();) {
      if ((*it)->next_at > now) {
        ++it;
        continue;
      }
      begin_attempt(std::move(*it));
      it = waiting.erase(it);
    }
  }

  int poll_timeout_ms() const {
    auto wait = milliseconds(1000);
    const auto now = Clock::now();
    for (const auto& r : waiting)
      wait = std::min(wait, duration_cast<milliseconds>(r->next_at - now) + milliseconds(1));
    return static_cast<int>(std::max(wait, milliseconds(0)).count());
  }

  void begin_attempt(std::unique_ptr<Request> owned) {
    Request* r = owned.release();  // owned by the easy handle's PRIVATE until collect()
    ++r->attempt;
    if (!r->easy) r->easy = curl_easy_init();
    if (!r->easy) return finish(r, "curl_easy_init failed");
    const auto left = duration_cast<milliseconds>(r->deadline - Clock::now());
    if (left <= milliseconds(0)) return finish(r, "timed out before attempt");
    set_headers(*r);
    r->response.clear();
    r->error[0] = '\0';
    CURL* e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, r->job.hook.target.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->job.payload->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(r->job.payload->size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->response);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    if (!options.webhook_ca_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, options.webhook_ca_file.c_str());
    curl_multi_add_handle(multi, e);
    ++active;
  }

  void set_headers(Request& r) {
    curl_slist_free_all(r.headers);
    r.headers = nullptr;
    auto add = [&](const std::string& h) { r.headers = curl_slist_append(r.headers, h.c_str()); };
    add("Content-Type: application/json");
    add("Expect:");
    add("webhook-id: " + r.job.event->id());
    if (!options.webhook_secret.empty()) {
      const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      add("webhook-timestamp: " + std::to_string(ts));
      add("webhook-signature: " + webhook_signature(key, r.job.event->id(), ts, *r.job.payload));
    }
  }

  // Handles every finished transfer: success, retry or failure.
  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Request* r = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
      const CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi, msg->easy_handle);
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
      if (is_success(result)) return finish(r, "");
      cause = "HTTP " + std::to_string(result.status);
      if (!r->response.empty()) cause += " " + r->response;
    }
    const auto remaining = duration_cast<milliseconds>(r->deadline - Clock::now());
    const auto delay = backoff.next_delay(result, r->attempt + 1, remaining, rng);
    if (!delay) {
      if (remaining <= milliseconds(0)) cause += " (hook timeout reached)";
      return finish(r, cause);
    }
    spdlog::error("webhook {} id={} -> {}: attempt {} failed: {}; retrying in {}ms",
                  common::event_name(r->job.event->type()), r->job.event->id(), r->job.hook.target,
                  r->attempt, cause, delay->count());
    counters.webhook.retries.fetch_add(1, std::memory_order_relaxed);
    r->next_at = Clock::now() + *delay;
    waiting.emplace_back(r);
  }

  void finish(Request* raw, const std::string& cause) {
    std::unique_ptr<Request> r(raw);
    if (r->easy) curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    JobResult result;
    result.ok = cause.empty();
    result.cause = cause;
    result.attempts = r->attempt;
    r->done(result);
  }

  const Options& options;
  Counters& counters;
  Backoff backoff;
  std::mt19937_64 rng;
  std::string key;
  std::string user_agent;
  CURLM* multi = nullptr;
  std::mutex mutex;
  std::vector<std::unique_ptr<Request>> incoming;  // guarded by mutex
  bool stopping = false;                           // guarded by mutex
  std::list<std::unique_ptr<Request>> waiting;     // loop thread only
  int active = 0;                                  // loop thread only
  std::thread thread;
};

WebhookRunner::WebhookRunner(const Options& options, Counters& counters)
    : loop_(std::make_unique<Loop>(options, counters)) {}

WebhookRunner::~WebhookRunner() = default;

void WebhookRunner::start(Job job, JobDone done) {
  loop_->submit(std::move(job), std::move(done));
}

void WebhookRunner::stop() {
  loop_->shutdown();
}

}  // namespace rtmp::dispatcher
