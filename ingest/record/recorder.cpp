#include "ingest/record/recorder.hpp"

#include <atomic>
#include <condition_variable>
#include <thread>

#include "ingest/record/recording.hpp"
#include "ingest/registry/spsc_ring.hpp"

namespace rtmp::record {

// What the publisher's strand and the recording's thread share.
struct Channel {
  Channel(size_t messages, size_t bytes, events::EventSink& sink)
      : ring(messages), max_bytes(bytes), tail(sink) {}

  registry::SpscRing<registry::MediaPtr> ring;
  const size_t max_bytes;
  std::atomic<size_t> queued_bytes{0};
  std::atomic<bool> ended{false};     // the publisher is done; set after its last push
  std::atomic<bool> overflow{false};  // the queue was full: the recording ends
  std::atomic<bool> dead{false};      // the recording ended: stop offering
  std::atomic<bool> abort{false};     // shutdown deadline passed
  std::atomic<bool> sleeping{false};
  std::mutex mutex;  // for the condition variable only; never taken by the publisher
  std::condition_variable cv;
  RecordingTail tail;

  void wake() {
    if (sleeping.exchange(false)) cv.notify_one();
  }
};

struct Recorder::Worker {
  std::shared_ptr<Channel> channel;
  std::atomic<bool> done{false};
  std::thread thread;
};

namespace {

// How long an idle recording thread sleeps before looking again; bounds the
// delay of a wake-up lost to the (lock-free) race with the publisher.
constexpr auto kIdleWait = std::chrono::milliseconds(100);

void run_recording(Channel& ch, Recording& rec) {
  for (;;) {
    registry::MediaPtr m;
    bool any = false;
    while (!ch.abort.load() && ch.ring.pop(m)) {
      any = true;
      ch.queued_bytes.fetch_sub(m->payload.size(), std::memory_order_relaxed);
      rec.on_media(m);
      if (rec.ended()) {
        ch.dead.store(true);
        return;
      }
    }
    if (ch.abort.load()) return rec.stop("server shutting down: recording cut short");
    if (ch.overflow.load()) {
      ch.dead.store(true);
      return rec.stop("recording queue full: the disk is not keeping up");
    }
    // `ended` is set after the last push: seen here, the ring holds the rest.
    if (ch.ended.load(std::memory_order_acquire) && ch.ring.empty()) return rec.stop("");
    if (any) continue;
    ch.sleeping.store(true);
    if (!ch.ring.empty() || ch.ended.load() || ch.overflow.load() || ch.abort.load()) {
      ch.sleeping.store(false);
      continue;
    }
    std::unique_lock lock(ch.mutex);
    ch.cv.wait_for(lock, kIdleWait, [&] { return !ch.sleeping.load(); });
    ch.sleeping.store(false);
  }
}

}  // namespace

void RecordingTail::emit_after(events::Event event) {
  {
    std::lock_guard lock(mutex_);
    if (!finished_) {
      after_ = std::move(event);
      return;
    }
  }
  sink_.emit(std::move(event));
}

void RecordingTail::finish() {
  std::optional<events::Event> after;
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
    after.swap(after_);
  }
  if (after) sink_.emit(std::move(*after));
}

void emit_after(const std::shared_ptr<RecordingTail>& tail, events::EventSink& sink,
                events::Event event) {
  if (tail) return tail->emit_after(std::move(event));
  sink.emit(std::move(event));
}

RecordingHandle::RecordingHandle(std::shared_ptr<Channel> channel) : channel_(std::move(channel)) {}

RecordingHandle::~RecordingHandle() {
  channel_->ended.store(true, std::memory_order_release);
  channel_->wake();
}

std::shared_ptr<const std::atomic<bool>> RecordingHandle::ended_flag() const {
  return {channel_, &channel_->dead};
}

std::shared_ptr<RecordingTail> RecordingHandle::tail() const {
  return {channel_, &channel_->tail};
}

void RecordingHandle::offer(const registry::MediaPtr& m) {
  Channel& ch = *channel_;
  if (ch.dead.load(std::memory_order_relaxed) || ch.overflow.load(std::memory_order_relaxed))
    return;
  const size_t size = m->payload.size();
  if (ch.queued_bytes.load(std::memory_order_relaxed) + size > ch.max_bytes || !ch.ring.push(m)) {
    ch.overflow.store(true);
    ch.wake();
    return;
  }
  ch.queued_bytes.fetch_add(size, std::memory_order_relaxed);
  ch.wake();
}

Recorder::Recorder(RecordOptions options, events::EventSink& sink)
    : options_(std::move(options)), sink_(sink) {}

Recorder::~Recorder() {
  stop(std::chrono::steady_clock::now());
}

void Recorder::reap_locked() {
  std::erase_if(workers_, [](const std::shared_ptr<Worker>& w) {
    if (!w->done.load()) return false;
    w->thread.join();
    return true;
  });
}

std::unique_ptr<RecordingHandle> Recorder::start(const std::string& conn_id,
                                                 const std::string& key) {
  if (!options_.records(key)) return nullptr;
  std::lock_guard lock(mutex_);
  if (stopping_) return nullptr;
  reap_locked();
  auto worker = std::make_shared<Worker>();
  worker->channel = std::make_shared<Channel>(options_.queue_messages, options_.queue_bytes, sink_);
  RecordingConfig config{options_.dir, options_.format, options_.segment_pattern,
                         options_.segment_ms()};
  worker->thread =
      std::thread([w = worker.get(), config = std::move(config), &sink = sink_, conn_id, key] {
        {
          Recording rec(config, sink, conn_id, key);
          run_recording(*w->channel, rec);
        }
        w->channel->tail.finish();
        w->done.store(true);
      });
  auto handle = std::make_unique<RecordingHandle>(worker->channel);
  workers_.push_back(std::move(worker));
  return handle;
}

size_t Recorder::running() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& w : workers_) n += w->done.load() ? 0 : 1;
  return n;
}

void Recorder::stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  while (running() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::lock_guard lock(mutex_);
  for (const auto& w : workers_) {
    w->channel->abort.store(true);
    w->channel->wake();
  }
  for (const auto& w : workers_) w->thread.join();
  workers_.clear();
}

}  // namespace rtmp::record
