#include "common/fd_limit.hpp"

#include <sys/resource.h>

namespace rtmp::common {
namespace {

size_t soft_of(const rlimit& rl) {
  constexpr size_t kUnlimited = size_t{1} << 20;
  return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > kUnlimited
             ? kUnlimited
             : static_cast<size_t>(rl.rlim_cur);
}

}  // namespace

size_t raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return soft_of(rl);
}

size_t fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  return soft_of(rl);
}

}  // namespace rtmp::common
