#include "dispatcher/stdio_sink.hpp"

#include <limits.h>
#include <unistd.h>

#include <cerrno>

#include "common/payload.hpp"

namespace rtmp::dispatcher {
namespace {

// The most one write() may carry and still reach a pipe in one piece.
constexpr size_t kMaxWrite = PIPE_BUF;

}  // namespace

StdioSink::StdioSink(std::string format, int fd) : format_(std::move(format)), fd_(fd) {
  pending_.reserve(kMaxWrite);
}

size_t StdioSink::write(const rtmphooks::Event& event, const std::string& json) {
  if (format_.empty()) return 0;
  const std::string* text = &json;
  if (format_ != "json") {
    env_ = common::render_env(event);
    text = &env_;
  }
  size_t failed = 0;
  // A line that does not fit beside the gathered ones waits for them to go.
  if (!pending_.empty() && pending_.size() + text->size() + 1 > kMaxWrite) failed = flush();
  pending_ += *text;
  pending_ += '\n';
  ++pending_lines_;
  if (pending_.size() >= kMaxWrite) failed += flush();
  return failed;
}

size_t StdioSink::flush() {
  if (pending_.empty()) return 0;
  const size_t lines = pending_lines_;
  pending_lines_ = 0;
  // A line longer than kMaxWrite goes alone; a partial write of it is finished
  // before anything else is written.
  size_t off = 0;
  bool ok = true;
  while (off < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + off, pending_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      last_error_ = n < 0 ? errno : EIO;
      ok = false;
      break;
    }
    off += static_cast<size_t>(n);
  }
  pending_.clear();
  return ok ? 0 : lines;
}

}  // namespace rtmp::dispatcher
