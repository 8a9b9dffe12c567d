#pragma once
// Starting one child process for a script hook, knowing nothing of events:
// posix_spawn of `path` itself with argv = [path], in a new process group, with
// default signal dispositions and an empty signal mask, stdin/stdout/stderr on
// pipes, and no other descriptor inherited.
#include <sys/types.h>

#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rtmp::dispatcher {

struct SpawnedChild {
  pid_t pid = -1;   // also the process group id
  int pidfd = -1;   // readable when the child exits; -1 when the kernel lacks pidfd_open
  int in_fd = -1;   // write end of the child's stdin, non-blocking
  int out_fd = -1;  // read end of its stdout, non-blocking
  int err_fd = -1;  // read end of its stderr, non-blocking
};

using EnvPairs = std::vector<std::pair<std::string, std::string>>;

// Our environment as "NAME=value" entries, without the variables whose names
// begin with one of `hidden_prefixes`.
std::vector<std::string> inherited_environment(
    const std::vector<std::string_view>& hidden_prefixes);

// The environment of the child: `base`, with `extra` added (replacing same names).
std::vector<std::string> child_environment(const std::vector<std::string>& base,
                                           const EnvPairs& extra);

// Spawns the child with child_environment(base, extra_env); on failure nothing
// is left open.
std::error_code spawn_child(const std::string& path, const std::vector<std::string>& base,
                            const EnvPairs& extra_env, SpawnedChild& out);

// Closes a descriptor if open and sets it to -1.
void close_fd(int& fd);

}  // namespace rtmp::dispatcher
