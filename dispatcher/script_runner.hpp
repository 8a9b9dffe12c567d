#pragma once
// Runs script hooks: posix_spawn of the script itself (shebang honoured, argv =
// [path]) in its own process group, environment = ours + common::script_env,
// payload on stdin, stdout/stderr captured and logged at DEBUG. One loop thread
// polls every child's pidfd and pipes; at -hook-timeout the group gets SIGTERM,
// then SIGKILL after the grace; every child is reaped with waitpid on its pid.
#include <cstddef>
#include <memory>

#include "common/duration.hpp"
#include "dispatcher/job.hpp"

namespace rtmp::dispatcher {

struct ScriptOptions {
  common::Duration timeout{30000};       // one run
  common::Duration kill_grace{2000};     // SIGTERM -> SIGKILL of a timed-out script
  std::size_t output_limit = 64 * 1024;  // bytes of stdout/stderr kept per run
};

class ScriptRunner final : public Runner {
 public:
  explicit ScriptRunner(const ScriptOptions& options);
  ~ScriptRunner() override;
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  void start(Job job, JobDone done) override;
  void stop() override;
  // SIGKILLs the process group of every script still running.
  size_t kill_now() override;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace rtmp::dispatcher
