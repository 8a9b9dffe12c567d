#pragma once
// Appends dead letters (dead_letter_line.hpp) to the -dead-letter file
// without making hook workers wait for the disk: add() renders the line and
// queues it; one writer thread appends what is queued (each line whole, the
// file opened O_APPEND) and fdatasync()s after each batch. The queue is
// bounded (kMaxQueued lines): while the disk is that far behind, a new dead
// letter is not written but counted as dropped and logged at ERROR (at most
// once a second), and its hook failure stays in the ERROR log. stop() writes
// everything still queued.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "dispatcher/dead_letter_line.hpp"
#include "dispatcher/job.hpp"

namespace rtmp::dispatcher {

// The dead letter of a finished execution: its kind, redacted target, event,
// attempts and cause, timed now.
DeadLetter dead_letter_of(const Job& job, const JobResult& result);

class DeadLetterWriter {
 public:
  static constexpr size_t kMaxQueued = 10000;

  // Opens (creates, mode 0600: payloads name streams and addresses) `path`
  // for appending; throws std::runtime_error when it cannot (startup).
  explicit DeadLetterWriter(std::string path);
  ~DeadLetterWriter();  // stop()
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  // Any thread; never waits for the disk.
  void add(const DeadLetter& letter);
  // Writes what is queued, then ends the writer thread. Idempotent.
  void stop();
  // Waits up to `max_wait` until what is queued now is written; true when it
  // is. For an exit that cannot wait for a stuck disk (stop() could).
  bool flush_for(std::chrono::milliseconds max_wait);

  const std::string& path() const { return path_; }
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();
  bool write_all(const std::string& text);
  void note_dropped(const std::string& event_id, const std::string& why);

  const std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  struct Queued {
    std::string event_id;  // for the log line when it cannot be written
    std::string line;      // newline included
  };
  std::deque<Queued> queue_;  // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  bool writing_ = false;      // guarded by mutex_: the writer thread holds a batch
  std::condition_variable flushed_;
  std::chrono::steady_clock::time_point last_drop_log_{};  // guarded by mutex_
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace rtmp::dispatcher
