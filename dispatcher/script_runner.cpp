#include "dispatcher/script_runner.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "common/fd_limit.hpp"
#include "common/payload.hpp"
#include "dispatcher/child_process.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr milliseconds kReapPoll{20};  // waitpid polling when pidfd_open is missing

// Our programs' flags given as environment variables: they can hold secrets
// (the webhook signing secret, the API token, credentials in a NATS URL) and
// mean nothing to a script, so scripts do not inherit them.
const std::vector<std::string_view> kConfigPrefixes = {"RTMP_DISPATCHER_", "RTMP_INGEST_"};

// One running script.
struct Child {
  Job job;
  JobDone done;
  SpawnedChild proc;
  Clock::time_point deadline;
  Clock::time_point kill_at;
  bool term_sent = false;
  bool kill_sent = false;
  size_t in_written = 0;
  std::string out, err;
  bool reported = false;  // its job is done: the script itself has exited
  bool finished = false;  // reaped, nothing of it left to watch
};

// Pipes of a script that exited while processes it started in the background
// still hold them: read and dropped until they close, so those processes'
// writes never fail (as they would not from a shell). Each such process
// holds two; how many may be kept follows the file descriptor limit (raised
// to its hard limit at startup), keeping a reserve for connections and
// running scripts, and stays small enough for one poll() per wake-up.
constexpr size_t kMinLingering = 256;
constexpr size_t kMaxLingering = 16384;
constexpr std::chrono::seconds kLingerWarnEvery{60};

size_t lingering_cap() {
  const size_t soft = common::fd_limit();
  const size_t reserve = std::max<size_t>(1024, soft / 2);
  const size_t room = soft > reserve ? soft - reserve : 0;
  return std::clamp(room, kMinLingering, kMaxLingering);
}

// A lingering pipe and the script that left it.
struct Lingering {
  int fd = -1;
  std::string script{};
};

constexpr size_t kErrorTail = 512;  // bytes of stderr a failure's ERROR line carries

// Reads what is available, keeping the last `limit` bytes in `into` (the
// end of a script's output says why it failed), or dropping it all without
// `into`; closes the fd on EOF or error.
void read_some(int& fd, std::string* into, size_t limit = 0) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (into == nullptr) continue;
      into->append(buf, static_cast<size_t>(n));
      if (into->size() > limit) into->erase(0, into->size() - limit);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    return close_fd(fd);
  }
}

// The end of a script's stderr on one line: at most kErrorTail bytes,
// trailing newlines dropped, line breaks shown as "\n".
std::string error_tail(const std::string& err) {
  std::string_view tail(err);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.remove_suffix(1);
  const bool cut = tail.size() > kErrorTail;
  if (cut) tail.remove_prefix(tail.size() - kErrorTail);
  std::string out = cut ? "..." : "";
  for (char ch : tail) {
    if (ch == '\n')
      out += "\\n";
    else if (ch != '\r')
      out += ch;
  }
  return out;
}

std::string describe(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return "exit status " + std::to_string(info.si_status);
  if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)
    return std::string("killed by signal ") + strsignal(info.si_status);
  return "status " + std::to_string(info.si_status);
}

bool exited_zero(const siginfo_t& info) {
  return info.si_code == CLD_EXITED && info.si_status == 0;
}

}  // namespace

struct ScriptRunner::Loop {
  explicit Loop(const ScriptOptions& o) : options(o) {
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) throw std::runtime_error("eventfd failed");
    thread = std::thread([this] { run(); });
  }
  ~Loop() {
    shutdown();
    close_fd(wake_fd);
  }

  void submit(Job job, JobDone done) {
    auto c = std::make_unique<Child>();
    c->job = std::move(job);
    c->done = std::move(done);
    {
      std::lock_guard lock(mutex);
      incoming.push_back(std::move(c));
    }
    wake();
  }

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake();
    if (thread.joinable()) thread.join();
  }

  void run() {
    for (;;) {
      std::vector<std::unique_ptr<Child>> fresh;
      bool stop_now = false;
      {
        std::lock_guard lock(mutex);
        fresh.swap(incoming);
        stop_now = stopping && fresh.empty() && children.empty();
      }
      if (stop_now) break;
      for (auto& c : fresh) spawn(std::move(c));
      wait_and_service();
      std::erase_if(children, [](const auto& c) { return c->finished; });
      std::erase_if(lingering, [](const Lingering& l) { return l.fd < 0; });
    }
    // Background processes still writing get EPIPE from here on.
    for (Lingering& l : lingering) close_fd(l.fd);
  }

  void spawn(std::unique_ptr<Child> c) {
    const auto env = common::script_env(*c->job.event);
    if (auto ec = spawn_child(c->job.hook->target, base_env, env, c->proc)) {
      JobResult r;
      r.cause = "spawn " + c->job.hook->target + ": " + ec.message();
      c->done(c->job, r);
      return;
    }
    c->deadline = Clock::now() + options.timeout;
    {
      std::lock_guard lock(live_mutex);
      live.insert(c->proc.pid);
    }
    write_stdin(*c);
    children.push_back(std::move(c));
  }

  // Polls the wake fd and every child's fds until something happens or a
  // deadline comes, then services the children.
  void wait_and_service() {
    std::vector<pollfd> fds{{wake_fd, POLLIN, 0}};
    auto timeout = milliseconds(1000);
    const auto now = Clock::now();
    for (const Lingering& l : lingering) fds.push_back({l.fd, POLLIN, 0});
    for (auto& c : children) {
      auto& p = c->proc;
      // A script held unreaped after its timeout (see complete()) stays
      // readable: only its deadline wakes us then.
      if (p.pidfd >= 0 && !c->reported)
        fds.push_back({p.pidfd, POLLIN, 0});
      else if (!c->reported)
        timeout = std::min(timeout, kReapPoll);
      if (p.in_fd >= 0) fds.push_back({p.in_fd, POLLOUT, 0});
      if (p.out_fd >= 0) fds.push_back({p.out_fd, POLLIN, 0});
      if (p.err_fd >= 0) fds.push_back({p.err_fd, POLLIN, 0});
      const auto next = c->term_sent ? c->kill_at : c->deadline;
      if (!c->kill_sent)
        timeout = std::min(timeout, duration_cast<milliseconds>(next - now) + milliseconds(1));
    }
    const int rc =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
    if (rc < 0 && errno != EINTR) spdlog::error("script runner: poll: {}", std::strerror(errno));
    uint64_t drained = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &drained, sizeof drained);
    // Only those poll() found readable (or closed): thousands may linger.
    for (size_t i = 0; i < lingering.size(); ++i)
      if (rc > 0 && fds[1 + i].revents != 0) read_some(lingering[i].fd, nullptr);
    for (auto& c : children) service(*c);
  }

  void write_stdin(Child& c) {
    const std::string& body = *c.job.payload;
    while (c.proc.in_fd >= 0 && c.in_written < body.size()) {
      const ssize_t n =
          ::write(c.proc.in_fd, body.data() + c.in_written, body.size() - c.in_written);
      if (n > 0)
        c.in_written += static_cast<size_t>(n);
      else if (n < 0 && errno == EINTR)
        continue;
      else if (n < 0 && errno == EAGAIN)
        return;
      else
        close_fd(c.proc.in_fd);  // EPIPE: the script does not read its stdin
    }
    close_fd(c.proc.in_fd);  // all written: EOF for the script
  }

  void service(Child& c) {
    write_stdin(c);
    if (c.proc.out_fd >= 0) read_some(c.proc.out_fd, &c.out, options.output_limit);
    if (c.proc.err_fd >= 0) read_some(c.proc.err_fd, &c.err, options.output_limit);
    if (!c.reported) {
      // Looked at, not reaped: an unreaped script keeps its process group id
      // from being reused while the group may still get SIGKILL.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(c.proc.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == c.proc.pid)
        complete(c, info);
    }
    enforce_timeout(c);
    if (c.reported && (!c.term_sent || c.kill_sent)) reap(c);
  }

  void enforce_timeout(Child& c) {
    const auto now = Clock::now();
    if (!c.term_sent && !c.reported && now >= c.deadline) {
      ::kill(-c.proc.pid, SIGTERM);
      c.term_sent = true;
      c.kill_at = now + options.kill_grace;
    } else if (c.term_sent && !c.kill_sent && now >= c.kill_at) {
      ::kill(-c.proc.pid, SIGKILL);
      c.kill_sent = true;
    }
  }

  // The script has exited: its job is done now. After a timeout the rest of
  // its group still has the grace to end before SIGKILL (reap() after
  // enforce_timeout()); otherwise what it left running in the background
  // keeps running, its output drained.
  void complete(Child& c, const siginfo_t& info) {
    c.reported = true;
    if (c.proc.out_fd >= 0) read_some(c.proc.out_fd, &c.out, options.output_limit);
    if (c.proc.err_fd >= 0) read_some(c.proc.err_fd, &c.err, options.output_limit);
    close_fd(c.proc.in_fd);
    const auto& ev = *c.job.event;
    JobResult r;
    if (c.term_sent) {
      r.cause = "timed out after " + std::to_string(options.timeout.count()) +
                "ms, process group killed (" + describe(info) + ")";
    } else if (!exited_zero(info)) {
      r.cause = describe(info);
    }
    r.ok = r.cause.empty();
    if (!r.ok && !c.err.empty()) r.cause += "; stderr: " + error_tail(c.err);
    // A failing script's output is what explains it: shown at INFO then.
    const auto level = r.ok ? spdlog::level::debug : spdlog::level::info;
    if (!c.out.empty())
      spdlog::log(level, "script {} id={} stdout: {}", c.job.hook->target, ev.id(), c.out);
    if (!c.err.empty())
      spdlog::log(level, "script {} id={} stderr: {}", c.job.hook->target, ev.id(), c.err);
    c.done(c.job, r);
  }

  void reap(Child& c) {
    {
      // Out of `live` before the pid can be reused: kill_now() never
      // signals a group that is not this script's.
      std::lock_guard lock(live_mutex);
      live.erase(c.proc.pid);
    }
    int status = 0;
    ::waitpid(c.proc.pid, &status, 0);  // it has exited: does not block
    close_fd(c.proc.pidfd);
    if (c.kill_sent) {
      close_fd(c.proc.out_fd);
      close_fd(c.proc.err_fd);
    } else {
      linger(c.proc.out_fd, c.job.hook->target);
      linger(c.proc.err_fd, c.job.hook->target);
    }
    c.finished = true;
  }

  // Keeps a finished script's pipe drained while another process holds it.
  void linger(int& fd, const std::string& script) {
    if (fd < 0) return;
    read_some(fd, nullptr);
    if (fd < 0) return;
    if (lingering.size() >= lingering_limit) {
      // Closed without a line each: a script that leaves a process per
      // event would flood the log.
      ++lingering_closed;
      const auto now = Clock::now();
      if (now - last_linger_warn >= kLingerWarnEvery) {
        spdlog::warn(
            "script runner: {} pipes of exited scripts are held by processes they left "
            "running (the limit); closed the oldest {} since the last such line, their writers "
            "get EPIPE (SIGPIPE kills them unless they ignore it); the one closed now was left by "
            "{}",
            lingering.size(), lingering_closed, lingering.front().script);
        last_linger_warn = now;
        lingering_closed = 0;
      }
      close_fd(lingering.front().fd);
      lingering.erase(lingering.begin());
    }
    lingering.push_back({fd, script});
    fd = -1;
  }

  const ScriptOptions options;
  const std::vector<std::string> base_env = inherited_environment(kConfigPrefixes);
  int wake_fd = -1;
  std::mutex mutex;
  std::vector<std::unique_ptr<Child>> incoming;  // guarded by mutex
  bool stopping = false;                         // guarded by mutex
  std::vector<std::unique_ptr<Child>> children;  // loop thread only
  std::vector<Lingering> lingering;              // loop thread only
  const size_t lingering_limit = lingering_cap();
  size_t lingering_closed = 0;           // loop thread only: since the last WARN
  Clock::time_point last_linger_warn{};  // loop thread only
  std::mutex live_mutex;
  std::set<pid_t> live;  // guarded by live_mutex: spawned and not reaped (their group ids)
  std::thread thread;
};

HookKindDef script_hook_kind() {
  return {
      "script",
      "/path/to/script",
      "event_type=/path/to/script to run for the event; * means every event",
      [](const std::string&) { return std::string(); },
      [](const std::string& path) {
        return RedactedTarget{path, false};
      },
      [](const Options& o, KindCounters&) -> std::unique_ptr<Runner> {
        return std::make_unique<ScriptRunner>(
            ScriptOptions{o.hook_timeout, o.kill_grace, o.script_output_limit});
      },
  };
}

ScriptRunner::ScriptRunner(const ScriptOptions& options) : loop_(std::make_unique<Loop>(options)) {}

ScriptRunner::~ScriptRunner() = default;

void ScriptRunner::start(Job job, JobDone done) {
  loop_->submit(std::move(job), std::move(done));
}

void ScriptRunner::stop() {
  loop_->shutdown();
}

size_t ScriptRunner::kill_now() {
  std::lock_guard lock(loop_->live_mutex);
  for (const pid_t pid : loop_->live) ::kill(-pid, SIGKILL);
  return loop_->live.size();
}

}  // namespace rtmp::dispatcher
