#include "dispatcher/webhook_loop.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/backoff.hpp"
#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kResponseKeep = 256;  // bytes of a response body kept for logs
constexpr int kMaxEvents = 64;         // epoll events taken per wake-up
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

size_t keep_response(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < kResponseKeep) out->append(data, std::min(len, kResponseKeep - out->size()));
  return len;
}

milliseconds until(Clock::time_point t, Clock::time_point now) {
  return std::chrono::ceil<milliseconds>(t - now);
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
        user_agent(std::string("rtmp-hooks/") + RTMP_HOOKS_VERSION),
        no_proxy(!proxy_env_set()) {
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
    epfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd < 0 || wakefd < 0) throw std::runtime_error("webhook loop: epoll/eventfd failed");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wakefd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0)
      throw std::runtime_error("webhook loop: epoll_ctl failed");
    multi = curl_multi_init();
    if (!multi) throw std::runtime_error("curl_multi_init failed");
    const long conns = static_cast<long>(std::max<int64_t>(options.hook_concurrency, 1));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  }

  // After the thread has ended: easy handles, then the multi handle (its cache
  // closes connections through on_socket, so epfd goes last).
  void close_all() {
    for (auto& r : requests)
      if (r->easy) curl_easy_cleanup(r->easy);
    requests.clear();
    if (multi) curl_multi_cleanup(multi);
    multi = nullptr;
    if (wakefd >= 0) ::close(wakefd);
    if (epfd >= 0) ::close(epfd);
    wakefd = epfd = -1;
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
    if (!wake_pending.exchange(true)) wake();
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake_pending.store(true);
    wake();
    if (thread.joinable()) thread.join();
  }

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wakefd, &one, sizeof one);
  }

  // ---- loop thread

  void run() {
    t_running_loop = this;
    std::array<epoll_event, kMaxEvents> events;
    for (;;) {
      start_new();
      start_due();
      if (stop_seen && idle() && nothing_incoming()) break;
      const int n = epoll_wait(epfd, events.data(), kMaxEvents, wait_ms());
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wakefd) {
          take_incoming();
          continue;
        }
        if (drop_if_parked(fd)) continue;
        const uint32_t e = events[i].events;
        const int mask = (e & EPOLLIN ? CURL_CSELECT_IN : 0) |
                         (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                         (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        int still = 0;
        curl_multi_socket_action(multi, fd, mask, &still);
      }
      if (timer && *timer <= Clock::now()) {
        timer.reset();
        int still = 0;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &still);
      }
      collect();
    }
    t_running_loop = nullptr;
  }

  void take_incoming() {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(wakefd, &count, sizeof count);
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

  int wait_ms() const {
    if (!local.empty()) return 0;
    const auto now = Clock::now();
    auto wait = kIdleWait;
    if (timer) wait = std::min(wait, until(*timer, now));
    for (const Request* r : waiting) wait = std::min(wait, until(r->next_at, now));
    return static_cast<int>(std::max(wait, milliseconds(0)).count());
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
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.response);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::on_open);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
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
    if (!r->easy) r->easy = make_easy(*r);
    if (!r->easy) return finish(r, "curl_easy_init failed");
    const auto left = std::chrono::duration_cast<milliseconds>(r->deadline - Clock::now());
    if (left <= milliseconds(0)) return finish(r, "timed out before attempt");
    set_headers(*r);
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
    if (curl_multi_add_handle(multi, e) != CURLM_OK)
      return finish(r, "curl_multi_add_handle failed");
    ++active;
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

  // Sockets in epoll. A connection socket (opened and closed through on_open /
  // on_close) that curl stops watching between two requests stays registered
  // ("parked"): the next request on the kept-alive connection then needs no
  // epoll_ctl, and an idle connection's event (the peer closing it) only
  // unregisters it. Other sockets (a resolver's) are unregistered at once.
  struct Watch {
    uint32_t registered = 0;  // events registered in epoll; 0 = not in the set
    bool wanted = false;      // curl watches it now
    bool ours = false;        // a connection socket from on_open, not yet closed
  };

  Watch& watch(curl_socket_t s) {
    const auto i = static_cast<size_t>(s);
    if (i >= watches.size()) watches.resize(i + 1);
    return watches[i];
  }

  bool set_events(curl_socket_t s, Watch& w, uint32_t events) {
    if (w.registered == events) return true;
    epoll_event ev{};
    ev.data.fd = s;
    ev.events = events;
    int op = events == 0 ? EPOLL_CTL_DEL : w.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epfd, op, s, &ev) != 0 && op != EPOLL_CTL_DEL) {
      op = errno == EEXIST ? EPOLL_CTL_MOD : errno == ENOENT ? EPOLL_CTL_ADD : -1;
      if (op < 0 || epoll_ctl(epfd, op, s, &ev) != 0) return false;
    }
    w.registered = events;
    return true;
  }

  // An event on a parked socket: curl does not care, stop watching it.
  bool drop_if_parked(int fd) {
    const auto i = static_cast<size_t>(fd);
    if (i >= watches.size() || watches[i].wanted) return false;
    set_events(fd, watches[i], 0);
    return true;
  }

  static int on_socket(CURL*, curl_socket_t s, int what, void* user, void*) {
    auto* self = static_cast<Impl*>(user);
    Watch& w = self->watch(s);
    if (what == CURL_POLL_REMOVE) {
      w.wanted = false;
      if (!w.ours) self->set_events(s, w, 0);
      return 0;
    }
    w.wanted = true;
    const uint32_t events =
        (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    return self->set_events(s, w, events) ? 0 : -1;
  }

  static curl_socket_t on_open(void* user, curlsocktype, curl_sockaddr* a) {
    auto* self = static_cast<Impl*>(user);
    const int s = ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s < 0) return CURL_SOCKET_BAD;
    self->watch(s) = Watch{0, false, true};
    return s;
  }

  static int on_close(void* user, curl_socket_t s) {
    auto* self = static_cast<Impl*>(user);
    Watch& w = self->watch(s);
    self->set_events(s, w, 0);  // explicitly: a spawned child may still share the socket
    w = Watch{};
    return ::close(s);
  }

  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (timeout_ms < 0)
      self->timer.reset();
    else
      self->timer = Clock::now() + milliseconds(timeout_ms);
    return 0;
  }

  const Options& options;
  Counters& counters;
  Backoff backoff;
  std::mt19937_64 rng;
  std::string key;
  const std::string user_agent;
  const bool no_proxy;  // no proxy variable set: skip libcurl's lookup per request
  char content_type[31] = "Content-Type: application/json";
  char expect[8] = "Expect:";
  curl_slist content_type_node{};
  curl_slist expect_node{};
  CURLM* multi = nullptr;
  int epfd = -1;
  int wakefd = -1;
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
  std::optional<Clock::time_point> timer;          // curl's next timeout
  std::vector<Watch> watches;                      // by fd
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
