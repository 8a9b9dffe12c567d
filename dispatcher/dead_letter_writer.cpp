#include "dispatcher/dead_letter_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/payload.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {

DeadLetter dead_letter_of(const Job& job, const JobResult& result) {
  const HookKindDef& def = hook_kinds()[job.hook->kind];
  RedactedTarget target = def.redact(job.hook->target);
  DeadLetter d;
  d.time = utc_time(std::chrono::system_clock::now());
  d.kind = def.name;
  d.target = std::move(target.text);
  d.credentials_removed = target.removed;
  if (target.removed) d.target_id = target_id(job.hook->target);
  d.event_id = job.event->id();
  d.event_type = common::event_type_name(*job.event);
  d.attempts = result.attempts;
  d.error = redact_urls_in(result.cause);  // a NATS error names its servers
  d.message_id = result.message_id;
  d.payload = *job.payload;
  return d;
}

DeadLetterWriter::DeadLetterWriter(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw std::runtime_error("cannot open -dead-letter " + path_ + ": " + std::strerror(errno));
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "dead-letters");
    run();
  });
}

DeadLetterWriter::~DeadLetterWriter() {
  stop();
}

void DeadLetterWriter::add(const DeadLetter& letter) {
  std::string line = dead_letter_line(letter);
  line += '\n';
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueued) {
      queue_.push_back({letter.event_id, std::move(line)});
      wake_.notify_one();
      return;
    }
  }
  note_dropped(letter.event_id,
               std::to_string(kMaxQueued) + " lines already wait for the disk, or shutting down");
}

void DeadLetterWriter::note_dropped(const std::string& event_id, const std::string& why) {
  const uint64_t n = dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (now - last_drop_log_ < std::chrono::seconds(1)) return;
    last_drop_log_ = now;
  }
  spdlog::error("dead letter of event {} not written to {}: {} ({} dropped so far)", event_id,
                path_, why, n);
}

void DeadLetterWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool DeadLetterWriter::flush_for(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  return flushed_.wait_for(lock, max_wait, [&] { return queue_.empty() && !writing_; });
}

// Writer thread: takes the whole queue, appends it line by line (each line
// one write of its own, so a failure loses no more than that line), syncs.
void DeadLetterWriter::run() {
  std::deque<Queued> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
      writing_ = true;
    }
    for (const Queued& q : batch) {
      if (write_all(q.line)) {
        written_.fetch_add(1, std::memory_order_relaxed);
      } else {
        note_dropped(q.event_id, std::strerror(errno));
      }
    }
    batch.clear();
    ::fdatasync(fd_);
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
    }
    flushed_.notify_all();
  }
}

bool DeadLetterWriter::write_all(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0) errno = EIO;
      return false;
    }
  }
  return true;
}

}  // namespace rtmp::dispatcher
