#include "ingest/events/zmq_emitter.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <zmq.hpp>

#include "common/payload.hpp"
#include "common/tsan.hpp"
#include "ingest/events/event_proto.hpp"

namespace rtmp::events {
namespace {

using Clock = std::chrono::steady_clock;

int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_hex_id() {
  std::random_device rd;
  const uint64_t value = (static_cast<uint64_t>(rd()) << 32) | rd();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = kDigits[(value >> (60 - 4 * i)) & 0xFu];
  return out;
}

}  // namespace

class ZmqEmitter::Impl {
 public:
  Impl(zmq::context_t& context, EmitterOptions options);
  ~Impl() { stop(); }

  void emit(Event&& event) noexcept;
  void stop();
  EmitterStats stats() const;

  std::vector<std::string> endpoints;
  std::string ingest_id;

 private:
  // An event as handed off: numbered and stamped under the hand-off mutex.
  struct Item {
    Event event;
    uint64_t seq = 0;
    int64_t unix_ns = 0;
  };

  void run();
  bool take_batch(std::vector<Item>& batch);
  void process(Item& item);
  bool try_send(const std::string& bytes);
  void refresh_blocked();
  void flush_pending();
  void wait_writable(common::Duration timeout);
  void write_fallback(const rtmphooks::Event& event);
  void finish();
  void report(bool force);
  void note_dropped() noexcept;

  EmitterOptions opts_;
  zmq::socket_t socket_;

  // Shared with session threads, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item> inbox_;
  uint64_t last_seq_ = 0;
  bool waiting_ = false;   // the emitter thread sleeps on cv_
  bool stopping_ = false;  // stop() asked
  bool closed_ = false;    // the emitter thread took its last batch

  std::atomic<uint64_t> emitted_{0}, sent_{0}, buffered_{0}, fallback_{0}, dropped_{0};
  std::atomic<int64_t> last_drop_log_ns_{0};

  // The emitter thread's own.
  std::deque<std::string> pending_;  // serialized, oldest first
  bool blocked_ = false;             // the last send met EAGAIN
  bool dead_ = false;                // the socket failed; everything goes to the fallback
  uint64_t reported_fallback_ = 0;
  Clock::time_point last_report_{};

  std::mutex stop_mu_;
  std::thread thread_;
};

ZmqEmitter::Impl::Impl(zmq::context_t& context, EmitterOptions options)
    : ingest_id(options.ingest_id.empty() ? random_hex_id() : options.ingest_id),
      opts_(std::move(options)),
      socket_(context, zmq::socket_type::push) {
  socket_.set(zmq::sockopt::sndhwm, opts_.sndhwm);
  socket_.set(zmq::sockopt::linger, static_cast<int>(opts_.linger.count()));
  for (const std::string& endpoint : opts_.bind_endpoints) {
    try {
      socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("events: cannot bind " + endpoint + ": " + e.what());
    }
    endpoints.push_back(socket_.get(zmq::sockopt::last_endpoint));
  }
  inbox_.reserve(1024);
  thread_ = std::thread([this] { run(); });
}

void ZmqEmitter::Impl::emit(Event&& event) noexcept {
  bool wake = false;
  bool dropped = false;
  {
    std::lock_guard lock(mu_);
    if (closed_ || inbox_.size() >= opts_.max_backlog) {
      dropped = true;
    } else {
      const int64_t now = unix_now_ns();
      if (event.emitted_unix_ns == 0) event.emitted_unix_ns = now;
      try {
        inbox_.push_back(Item{std::move(event), last_seq_ + 1, now});
        ++last_seq_;
        emitted_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception&) {
        dropped = true;
      }
      wake = waiting_;
      waiting_ = false;
    }
  }
  if (wake) cv_.notify_one();
  if (dropped) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    note_dropped();
  }
}

// Logs dropped events at most once per report interval, from whichever thread.
void ZmqEmitter::Impl::note_dropped() noexcept {
  const int64_t now = unix_now_ns();
  int64_t last = last_drop_log_ns_.load(std::memory_order_relaxed);
  const int64_t interval = std::chrono::nanoseconds(opts_.report_interval).count();
  if (now - last < interval) return;
  if (!last_drop_log_ns_.compare_exchange_strong(last, now)) return;
  try {
    spdlog::error("events: {} events dropped in total (emitter stopped or backlog of {} full)",
                  dropped_.load(), opts_.max_backlog);
  } catch (...) {
  }
}

void ZmqEmitter::Impl::stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

EmitterStats ZmqEmitter::Impl::stats() const {
  EmitterStats s;
  s.emitted = emitted_.load();
  s.sent = sent_.load();
  s.buffered = buffered_.load();
  s.fallback = fallback_.load();
  s.dropped = dropped_.load();
  return s;
}

void ZmqEmitter::Impl::run() {
  std::vector<Item> batch;
  batch.reserve(1024);
  for (;;) {
    const bool stopping = take_batch(batch);
    refresh_blocked();
    flush_pending();
    for (Item& item : batch) process(item);
    const bool idle = batch.empty();
    batch.clear();
    report(false);
    if (stopping) break;
    if (idle && blocked_ && !dead_ && !pending_.empty()) wait_writable(opts_.wake_interval);
  }
  finish();
}

// Swaps in what sessions handed off; sleeps first when there is nothing to do.
// Returns whether stop() was asked.
bool ZmqEmitter::Impl::take_batch(std::vector<Item>& batch) {
  std::unique_lock lock(mu_);
  const bool retrying = blocked_ && !dead_ && !pending_.empty();
  if (inbox_.empty() && !stopping_ && !retrying) {
    waiting_ = true;
    cv_.wait_for(lock, opts_.report_interval, [&] { return !inbox_.empty() || stopping_; });
    waiting_ = false;
  }
  batch.swap(inbox_);
  return stopping_;
}

// Numbered events go out in seq order: straight to the socket when nothing is
// buffered before them, else to the buffer, else (buffer full) to the fallback.
void ZmqEmitter::Impl::process(Item& item) {
  rtmphooks::Event proto = to_proto(item.event);
  proto.set_seq(item.seq);
  proto.set_id("evt-" + ingest_id + "-" + std::to_string(item.seq));
  proto.set_timestamp(item.unix_ns / 1'000'000'000);
  proto.set_ingest_id(ingest_id);
  std::string bytes = proto.SerializeAsString();
  if (!blocked_ && !dead_ && pending_.empty() && try_send(bytes)) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (pending_.size() < static_cast<size_t>(std::max<int64_t>(opts_.buffer_capacity, 0))) {
    pending_.push_back(std::move(bytes));
    buffered_.store(pending_.size(), std::memory_order_relaxed);
    return;
  }
  write_fallback(proto);
}

bool ZmqEmitter::Impl::try_send(const std::string& bytes) {
  try {
    zmq::message_t message(bytes.data(), bytes.size());
    common::tsan_release(message.data());  // inproc: the dispatcher reads this very buffer
    if (socket_.send(message, zmq::send_flags::dontwait)) return true;
    blocked_ = true;
  } catch (const zmq::error_t& e) {
    spdlog::error("events: ZeroMQ send failed ({}); events now go to the stdio fallback", e.what());
    dead_ = blocked_ = true;
  }
  return false;
}

void ZmqEmitter::Impl::refresh_blocked() {
  if (!blocked_ || dead_) return;
  try {
    if (socket_.get(zmq::sockopt::events) & ZMQ_POLLOUT) blocked_ = false;
  } catch (const zmq::error_t& e) {
    spdlog::error("events: ZeroMQ socket failed ({}); events now go to the stdio fallback",
                  e.what());
    dead_ = true;
  }
}

void ZmqEmitter::Impl::flush_pending() {
  while (!blocked_ && !dead_ && !pending_.empty() && try_send(pending_.front())) {
    pending_.pop_front();
    sent_.fetch_add(1, std::memory_order_relaxed);
  }
  buffered_.store(pending_.size(), std::memory_order_relaxed);
}

// Sleeps until a dispatcher can take a message, or the timeout.
void ZmqEmitter::Impl::wait_writable(common::Duration timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLOUT, 0};
  try {
    zmq::poll(&item, 1, timeout);
  } catch (const zmq::error_t& e) {
    spdlog::error("events: ZeroMQ poll failed ({}); events now go to the stdio fallback", e.what());
    dead_ = true;
  }
}

// One whole JSON line per event, in the order the emitter thread meets them.
void ZmqEmitter::Impl::write_fallback(const rtmphooks::Event& event) {
  std::string line = common::render_json(event);
  line += '\n';
  const bool ok = std::fwrite(line.data(), 1, line.size(), opts_.fallback) == line.size() &&
                  std::fflush(opts_.fallback) == 0;
  if (ok) {
    fallback_.fetch_add(1, std::memory_order_relaxed);
  } else {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    note_dropped();
  }
}

// After stop(): no more hand-offs; what dispatchers take within the linger is
// sent, the rest goes to the fallback, then the socket closes.
void ZmqEmitter::Impl::finish() {
  std::vector<Item> last;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    last.swap(inbox_);
  }
  for (Item& item : last) process(item);
  const auto deadline = Clock::now() + opts_.linger;
  for (;;) {
    refresh_blocked();
    flush_pending();
    const auto now = Clock::now();
    if (pending_.empty() || dead_ || now >= deadline) break;
    wait_writable(std::min<common::Duration>(opts_.wake_interval,
                                             std::chrono::ceil<common::Duration>(deadline - now)));
  }
  const size_t leftover = pending_.size();
  for (const std::string& bytes : pending_) {
    rtmphooks::Event event;
    event.ParseFromString(bytes);
    write_fallback(event);
  }
  pending_.clear();
  buffered_.store(0, std::memory_order_relaxed);
  if (leftover != 0) {
    spdlog::warn(
        "events: {} events no dispatcher took within the {} ms linger went to the "
        "stdio fallback",
        leftover, opts_.linger.count());
    reported_fallback_ += leftover;  // said here: report() below counts only buffer overflows
  }
  // Let ZeroMQ deliver what it already holds for connected dispatchers, within
  // what is left of the linger.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  try {
    socket_.set(zmq::sockopt::linger, static_cast<int>(std::max<int64_t>(left.count(), 0)));
  } catch (const zmq::error_t&) {
  }
  socket_.close();
  report(true);
}

// A rate-limited WARN while events go to the fallback.
void ZmqEmitter::Impl::report(bool force) {
  const uint64_t fallback = fallback_.load(std::memory_order_relaxed);
  if (fallback == reported_fallback_) return;
  const auto now = Clock::now();
  if (!force && now - last_report_ < opts_.report_interval) return;
  spdlog::warn(
      "events: no dispatcher could take events and the buffer of {} was full: {} "
      "written to the stdio fallback ({} in total)",
      opts_.buffer_capacity, fallback - reported_fallback_, fallback);
  reported_fallback_ = fallback;
  last_report_ = now;
}

ZmqEmitter::ZmqEmitter(zmq::context_t& context, EmitterOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

ZmqEmitter::~ZmqEmitter() = default;

void ZmqEmitter::emit(Event event) noexcept {
  impl_->emit(std::move(event));
}

void ZmqEmitter::stop() {
  impl_->stop();
}

EmitterStats ZmqEmitter::stats() const {
  return impl_->stats();
}

const std::vector<std::string>& ZmqEmitter::endpoints() const {
  return impl_->endpoints;
}

const std::string& ZmqEmitter::ingest_id() const {
  return impl_->ingest_id;
}

}  // namespace rtmp::events

#if defined(__SANITIZE_THREAD__)
// libzmq is not built with TSan: its lock-free pipes hand message memory between
// threads unseen (by pointer over inproc://), so TSan reports false races on it.
// Ignore accesses made inside libzmq and the filling of a message by cppzmq
// (the emitter's own state stays checked). Weak, so another component
// linked into the same program may define the same hook.
extern "C" __attribute__((weak)) const char* __tsan_default_suppressions() {
  return "called_from_lib:libzmq.so\nrace:libzmq.so\nrace:zmq::message_t::message_t\n";
}
#endif
