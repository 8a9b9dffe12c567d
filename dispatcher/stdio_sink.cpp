#include "dispatcher/stdio_sink.hpp"

#include <unistd.h>

#include <cerrno>

#include "common/payload.hpp"

namespace rtmp::dispatcher {

StdioSink::StdioSink(std::string format, int fd) : format_(std::move(format)), fd_(fd) {}

bool StdioSink::write(const rtmphooks::Event& event, const std::string& json) {
  if (format_.empty()) return true;
  line_ = format_ == "json" ? json : common::render_env(event);
  line_ += '\n';
  // One write() per line; a pipe takes lines up to PIPE_BUF atomically, and a
  // partial write of a longer one is finished before the next line starts.
  size_t off = 0;
  while (off < line_.size()) {
    const ssize_t n = ::write(fd_, line_.data() + off, line_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace rtmp::dispatcher
