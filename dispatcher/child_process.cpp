#include "dispatcher/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

extern char** environ;

namespace rtmp::dispatcher {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    close_fd(fd[0]);
    close_fd(fd[1]);
  }
  bool open() { return pipe2(fd, O_CLOEXEC) == 0; }
  int take(int end) {
    const int f = fd[end];
    fd[end] = -1;
    return f;
  }
};

void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// RAII for the spawn attributes and file actions.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::vector<std::string> inherited_environment(
    const std::vector<std::string_view>& hidden_prefixes) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry = *e;
    const bool hidden = std::any_of(hidden_prefixes.begin(), hidden_prefixes.end(),
                                    [&](std::string_view p) { return entry.starts_with(p); });
    if (!hidden) env.emplace_back(entry);
  }
  return env;
}

std::vector<std::string> child_environment(const std::vector<std::string>& base,
                                           const EnvPairs& extra) {
  std::set<std::string, std::less<>> names;
  for (const auto& [k, v] : extra) names.insert(k);
  std::vector<std::string> env;
  env.reserve(base.size() + extra.size());
  for (const std::string& entry : base) {
    const auto eq = entry.find('=');
    if (eq != std::string::npos && names.count(std::string_view(entry).substr(0, eq))) continue;
    env.push_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::error_code spawn_child(const std::string& path, const std::vector<std::string>& base,
                            const EnvPairs& extra_env, SpawnedChild& out) {
  Pipe in, o, e;
  if (!in.open() || !o.open() || !e.open()) return {errno, std::system_category()};

  SpawnSetup s;
  posix_spawn_file_actions_adddup2(&s.actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&s.actions, o.fd[1], 1);
  posix_spawn_file_actions_adddup2(&s.actions, e.fd[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);

  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setflags(&s.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &all);

  const std::vector<std::string> env = child_environment(base, extra_env);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};

  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, path.c_str(), &s.actions, &s.attr, argv, envp.data()); rc != 0)
    return {rc, std::system_category()};

  out.pid = pid;
  out.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  out.in_fd = in.take(1);
  out.out_fd = o.take(0);
  out.err_fd = e.take(0);
  set_nonblocking(out.in_fd);
  set_nonblocking(out.out_fd);
  set_nonblocking(out.err_fd);
  return {};
}

}  // namespace rtmp::dispatcher
