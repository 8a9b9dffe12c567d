#include "dispatcher/webhook_loop.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/curl_epoll.hpp"
#include "dispatcher/handoff.hpp"
#include "dispatcher/redact.hpp"
#include "dispatcher/retry_after.hpp"
#include "dispatcher/retry_schedule.hpp"
#include "dispatcher/webhook_request.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kIdleWait{1000};
constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};  // past any -hook-timeout

// The last answer's Retry-After as a wait; 0 when it has none (or junk).
milliseconds retry_after_of(CURL* easy) {
  struct curl_header* h = nullptr;
  if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
    return milliseconds(0);
  return parse_retry_after(h->value, std::time(nullptr), kMaxRetryAfter);
}

thread_local const void* t_running_loop = nullptr;  // the Impl whose run() is on this thread

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
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
  Impl(const WebhookOptions& o, KindCounters& c, int index)
      : options(o),
        counters(c),
        backoff(static_cast<int>(o.retries), o.retry_base, o.retry_max),
        rng(std::random_device{}()),
        builder(options) {
    global_init();
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
    const long conns = static_cast<long>(std::max<int64_t>(options.max_connections, 1));
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
  }

  // ---- any thread

  void submit(Job job, JobDone done) {
    load.fetch_add(1);
    Incoming in{std::move(job), std::move(done), Clock::now() + options.timeout};
    if (t_running_loop == this) {
      local.push_back(std::move(in));
      return;
    }
    if (inbox.push(std::move(in))) io.wake();
  }

  void shutdown() {
    inbox.request_stop();
    io.wake();
    if (thread.joinable()) thread.join();
  }

  // ---- loop thread

  void run() {
    t_running_loop = this;
    for (;;) {
      start_new();
      start_due();
      if (stop_seen && idle() && inbox.empty()) break;
      if (io.run_once(wait())) stop_seen = inbox.take(local);
      collect();
    }
    t_running_loop = nullptr;
  }

  bool idle() const { return local.empty() && retries.empty() && active == 0; }

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
    if (retries.empty()) return;
    retries.take_due(Clock::now(), [this](Request* r) { begin_attempt(r); });
  }

  // Longest wait before the next turn: none while jobs wait to start, else
  // until the first retry is due (CurlEpoll also bounds it by curl's timer).
  milliseconds wait() const {
    if (!local.empty()) return milliseconds(0);
    return retries.wait(Clock::now(), kIdleWait);
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

  void begin_attempt(Request* r) {
    ++r->attempt;
    if (!r->easy) {
      r->easy = builder.make_easy(*r);
      if (r->easy) io.attach_easy(r->easy);
    }
    if (!r->easy) return finish(r, "curl_easy_init failed");
    const auto left = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    if (left <= milliseconds(0)) return finish(r, "timed out before attempt");
    builder.prepare(*r, left);
    CURL* e = r->easy;
    if (curl_multi_add_handle(multi, e) != CURLM_OK)
      return finish(r, "curl_multi_add_handle failed");
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
      on_attempt_done(r, code);
    }
  }

  void on_attempt_done(Request* r, CURLcode code) {
    AttemptResult result;
    std::string cause;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &result.status);
    if (code != CURLE_OK) {
      const std::string error =
          std::string(curl_easy_strerror(code)) + (r->error[0] ? ": " : "") + r->error;
      // The receiver took the event once it answered 2xx: a response body
      // that then stalls or breaks does not make it a failure (a retry
      // would deliver it twice).
      if (result.status >= 200 && result.status < 300) {
        spdlog::debug("webhook {} id={} -> {}: HTTP {}, then the response body failed: {}",
                      common::event_name(r->job.event->type()), r->job.event->id(),
                      redact_url(r->job.hook->target).text, result.status, error);
        return finish(r, {});
      }
      if (result.status >= 300) {
        // The receiver did answer: its status decides (a 404 is not retried,
        // a 503 is, as a 503) whatever became of the body after it.
        cause = "HTTP " + std::to_string(result.status) + " (then: " + error + ")";
        result.retry_after = retry_after_of(r->easy);
      } else {
        result.status = 0;
        result.transport_error = true;
        cause = error;
      }
    } else {
      if (is_success(result)) return finish(r, {});
      cause = "HTTP " + std::to_string(result.status);
      if (!r->response.empty()) cause += " " + r->response;
      result.retry_after = retry_after_of(r->easy);
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    const auto delay = backoff.next_delay(result, r->attempt + 1, remaining, rng);
    if (!delay) {
      if (remaining <= milliseconds(0)) {
        cause += " (hook timeout reached)";
      } else if (result.retry_after >= remaining && is_retryable(result) &&
                 r->attempt <= static_cast<int>(options.retries)) {
        cause += " (its Retry-After, " + std::to_string(result.retry_after.count() / 1000) +
                 "s, ends past -hook-timeout)";
      }
      return finish(r, std::move(cause));
    }
    spdlog::error("webhook {} id={} -> {}: attempt {} failed: {}; retrying in {}ms",
                  common::event_name(r->job.event->type()), r->job.event->id(),
                  redact_url(r->job.hook->target).text, r->attempt, cause, delay->count());
    counters.retries.fetch_add(1, std::memory_order_relaxed);
    r->next_at = Clock::now() + *delay;
    retries.add(r);
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

  const WebhookOptions options;
  KindCounters& counters;
  Backoff backoff;
  std::mt19937_64 rng;
  WebhookRequestBuilder builder;  // before the requests' easy handles, which point into it
  CurlEpoll io;                   // before `multi`: its callbacks outlive the multi handle
  CURLM* multi = nullptr;
  std::atomic<int> load{0};
  Handoff<Incoming> inbox;  // from other threads
  // Loop thread only:
  std::vector<Incoming> local;                     // to start this turn
  std::vector<Incoming> batch;                     // start_new()'s working copy
  RetrySchedule retries;                           // requests waiting for next_at
  std::vector<std::unique_ptr<Request>> requests;  // every request made (<= concurrency)
  std::vector<Request*> spare;                     // requests free for reuse
  int active = 0;                                  // easy handles in the multi
  bool stop_seen = false;
  std::thread thread;
};

WebhookLoop::WebhookLoop(const WebhookOptions& options, KindCounters& counters, int index)
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
