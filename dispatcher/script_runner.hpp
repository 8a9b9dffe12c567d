#pragma once
// Runs script hooks: posix_spawn of the script itself (shebang honoured, argv =
// [path]) in its own process group, environment = ours + common::script_env,
// payload on stdin, stdout/stderr captured and logged at DEBUG. One loop thread
// polls every child's pidfd and pipes; at -hook-timeout the group gets SIGTERM,
// then SIGKILL after the grace; every child is reaped with waitpid on its pid.
#include <memory>

#include "dispatcher/job.hpp"

namespace rtmp::dispatcher {

class ScriptRunner final : public Runner {
 public:
  explicit ScriptRunner(const Options& options);
  ~ScriptRunner() override;
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  void start(Job job, JobDone done) override;
  void stop() override;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace rtmp::dispatcher
