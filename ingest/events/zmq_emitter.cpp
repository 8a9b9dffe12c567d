#include "ingest/events/zmq_emitter.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <zmq.hpp>

#include "common/payload.hpp"
#include "ingest/events/event_lane.hpp"
#include "ingest/events/event_proto.hpp"

namespace rtmp::events {
namespace {

using Clock = std::chrono::steady_clock;
// The least time a lane's close gets at stop, so that a queue ZeroMQ is still
// writing out is told from one it had already flushed.
constexpr std::chrono::milliseconds kMinCloseLinger{200};

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
  void release(const EventLane::Item& item);
  void flush_lanes();
  void flush_observers();
  bool any_waiting() const;
  void wait_writable(common::Duration timeout);
  void write_fallback(const rtmphooks::Event& event);
  void finish();
  void report(bool force);
  void note_dropped() noexcept;

  EmitterOptions opts_;
  // External dispatchers first, then the embedded hooks; none: stderr only.
  std::vector<std::unique_ptr<EventLane>> lanes_;

  // Shared with session threads, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item> inbox_;
  uint64_t last_seq_ = 0;
  bool waiting_ = false;   // the emitter thread sleeps on cv_
  bool stopping_ = false;  // stop() asked
  bool closed_ = false;    // the emitter thread took its last batch

  std::atomic<uint64_t> emitted_{0}, fallback_{0}, dropped_{0};
  std::atomic<int64_t> last_drop_log_ns_{0};

  // The emitter thread's own.
  rtmphooks::Event proto_;  // each event's message, filled anew (see fill_proto)
  std::vector<uint64_t> reported_undelivered_;  // per lane
  // Buffered events no lane has sent yet: seq -> how many lanes hold it.
  std::unordered_map<uint64_t, int> unsent_;
  Clock::time_point last_report_{};

  std::mutex stop_mu_;
  std::thread thread_;
};

ZmqEmitter::Impl::Impl(zmq::context_t& context, EmitterOptions options)
    : ingest_id(!options.ingest_id.empty() ? options.ingest_id
                : options.node_id.empty()  ? random_hex_id()
                                           : options.node_id + "-" + random_hex_id()),
      opts_(std::move(options)) {
  if (!opts_.bind_endpoints.empty())
    lanes_.push_back(std::make_unique<EventLane>(context, "external dispatchers (-events-bind)",
                                                 opts_.bind_endpoints, opts_.sndhwm, opts_.linger));
  if (!opts_.embedded_endpoint.empty())
    lanes_.push_back(std::make_unique<EventLane>(context, "embedded hooks",
                                                 std::vector{opts_.embedded_endpoint}, opts_.sndhwm,
                                                 opts_.linger));
  for (const auto& lane : lanes_)
    endpoints.insert(endpoints.end(), lane->endpoints().begin(), lane->endpoints().end());
  reported_undelivered_.assign(lanes_.size(), 0);
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
  for (const auto& lane : lanes_) {
    s.sent += lane->sent.load();
    s.buffered += lane->buffered.load();
    s.undelivered += lane->undelivered.load();
  }
  s.fallback = fallback_.load();
  s.dropped = dropped_.load();
  return s;
}

void ZmqEmitter::Impl::run() {
  std::vector<Item> batch;
  batch.reserve(1024);
  for (;;) {
    const bool stopping = take_batch(batch);
    flush_lanes();
    for (Item& item : batch) process(item);
    const bool idle = batch.empty();
    if (!idle) flush_observers();
    batch.clear();
    report(false);
    if (stopping) break;
    if (idle && any_waiting()) wait_writable(opts_.wake_interval);
  }
  finish();
}

bool ZmqEmitter::Impl::any_waiting() const {
  for (const auto& lane : lanes_)
    if (lane->waiting()) return true;
  return false;
}

// Swaps in what sessions handed off; sleeps first when there is nothing to do.
// Returns whether stop() was asked.
bool ZmqEmitter::Impl::take_batch(std::vector<Item>& batch) {
  std::unique_lock lock(mu_);
  if (inbox_.empty() && !stopping_ && !any_waiting()) {
    waiting_ = true;
    cv_.wait_for(lock, opts_.report_interval, [&] { return !inbox_.empty() || stopping_; });
    waiting_ = false;
  }
  batch.swap(inbox_);
  return stopping_;
}

// Numbered events go out in seq order on every lane: straight to the socket
// when nothing is buffered before them, else to the lane's buffer, which may
// push its oldest event out. An event goes to the stdio fallback once no lane
// can deliver it any more: refused or evicted by every lane that had it, and
// sent by none. With no lane (no consumer was configured), at once.
void ZmqEmitter::Impl::process(Item& item) {
  rtmphooks::Event& proto = proto_;
  fill_proto(item.event, proto);
  proto.set_seq(item.seq);
  char seq[20];
  const auto seq_end = std::to_chars(seq, seq + sizeof seq, item.seq).ptr;
  proto.mutable_id()->assign("evt-").append(ingest_id).append(1, '-').append(seq, seq_end);
  proto.set_timestamp(item.unix_ns / 1'000'000'000);
  proto.set_ingest_id(ingest_id);
  proto.set_node(opts_.node_id);
  for (EventObserver* observer : opts_.observers) observer->observe(proto);
  if (lanes_.empty()) {
    write_fallback(proto);
    return;
  }
  std::string bytes = proto.SerializeAsString();
  bool taken = false;
  int holding = 0;
  for (size_t i = 0; i < lanes_.size(); ++i) {
    std::optional<EventLane::Item> evicted;
    // The last lane takes the bytes themselves: one copy per extra lane only.
    EventLane::Item offer{item.seq, i + 1 == lanes_.size() ? std::move(bytes) : bytes};
    const auto offered = lanes_[i]->offer(std::move(offer), opts_.buffer_capacity, evicted);
    taken = taken || offered == EventLane::Offered::kSent;
    holding += offered == EventLane::Offered::kBuffered;
    if (evicted) release(*evicted);
  }
  if (taken) return;
  if (holding == 0) {
    write_fallback(proto);
  } else {
    unsent_[item.seq] = holding;
  }
}

// A lane let go of a buffered event without sending it.
void ZmqEmitter::Impl::release(const EventLane::Item& item) {
  const auto it = unsent_.find(item.seq);
  if (it == unsent_.end() || --it->second > 0) return;  // sent by another lane, or still held
  unsent_.erase(it);
  rtmphooks::Event event;
  event.ParseFromString(item.bytes);
  write_fallback(event);
}

void ZmqEmitter::Impl::flush_lanes() {
  for (const auto& lane : lanes_) lane->flush([this](uint64_t seq) { unsent_.erase(seq); });
}

void ZmqEmitter::Impl::flush_observers() {
  for (EventObserver* observer : opts_.observers) observer->flush();
}

// Sleeps until a waiting lane's consumer can take a message, or the timeout.
void ZmqEmitter::Impl::wait_writable(common::Duration timeout) {
  std::vector<zmq::pollitem_t> items;
  std::vector<EventLane*> polled;
  for (const auto& lane : lanes_) {
    if (!lane->waiting()) continue;
    items.push_back(lane->poll_item());
    polled.push_back(lane.get());
  }
  if (items.empty()) return;
  try {
    zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    for (EventLane* lane : polled) lane->mark_dead("poll", e);
  }
}

// One whole JSON line per event, in the order the emitter thread meets them.
void ZmqEmitter::Impl::write_fallback(const rtmphooks::Event& event) {
  if (opts_.stderr_has_every_event) {
    fallback_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
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
// sent, the rest goes to the fallback (once per event, in seq order, however
// many lanes missed it), then the sockets close.
void ZmqEmitter::Impl::finish() {
  std::vector<Item> last;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    last.swap(inbox_);
  }
  for (Item& item : last) process(item);
  flush_observers();
  const auto deadline = Clock::now() + opts_.linger;
  for (;;) {
    flush_lanes();
    const auto now = Clock::now();
    if (!any_waiting() || now >= deadline) break;
    wait_writable(std::min<common::Duration>(opts_.wake_interval,
                                             std::chrono::ceil<common::Duration>(deadline - now)));
  }
  std::map<uint64_t, std::string> leftover;  // in seq order, once however many lanes held it
  for (size_t i = 0; i < lanes_.size(); ++i) {
    std::deque<EventLane::Item> pending = lanes_[i]->take_pending();
    size_t to_fallback = 0;  // what no other consumer group took
    for (EventLane::Item& item : pending) {
      if (!unsent_.count(item.seq)) continue;
      ++to_fallback;
      leftover.try_emplace(item.seq, std::move(item.bytes));
    }
    if (!pending.empty()) {
      spdlog::warn(
          "events: {} events the {} did not take within the {} ms linger: {} go to the stdio "
          "fallback (once each), the other {} reached another consumer",
          pending.size(), lanes_[i]->name(), opts_.linger.count(), to_fallback,
          pending.size() - to_fallback);
    }
    reported_undelivered_[i] = lanes_[i]->undelivered.load();  // said here, not again below
  }
  unsent_.clear();
  // Let ZeroMQ deliver what it already holds for connected dispatchers, within
  // what is left of the linger (at least long enough to tell whether it had
  // anything left: a flushed queue closes at once).
  const auto left =
      std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
               kMinCloseLinger);
  for (const auto& lane : lanes_) {
    if (!lane->close(left)) continue;
    std::deque<EventLane::Item> recent = lane->take_recent();
    if (recent.empty()) continue;
    spdlog::warn(
        "events: ZeroMQ still held events for the {} when the linger ran out and discarded "
        "them; the last {} it was handed (seq {}-{}) go to the stdio fallback, where some may "
        "repeat events a dispatcher did get (same id)",
        lane->name(), recent.size(), recent.front().seq, recent.back().seq);
    for (EventLane::Item& item : recent) leftover.try_emplace(item.seq, std::move(item.bytes));
  }
  // One pass, in seq order: what no lane took, then what ZeroMQ may have
  // discarded.
  for (const auto& [seq, bytes] : leftover) {
    rtmphooks::Event event;
    event.ParseFromString(bytes);
    write_fallback(event);
  }
  report(true);
}

// A rate-limited WARN per lane while its consumers cannot take events.
void ZmqEmitter::Impl::report(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_report_ < opts_.report_interval) return;
  for (size_t i = 0; i < lanes_.size(); ++i) {
    const uint64_t undelivered = lanes_[i]->undelivered.load(std::memory_order_relaxed);
    if (undelivered == reported_undelivered_[i]) continue;
    spdlog::warn(
        "events: the {} could not take {} events (buffer of {} full: the oldest left it; {} "
        "undelivered in total); those no other consumer took went to the stdio fallback, and "
        "their seqs are announced to the dispatchers as lost",
        lanes_[i]->name(), undelivered - reported_undelivered_[i], opts_.buffer_capacity,
        undelivered);
    reported_undelivered_[i] = undelivered;
    last_report_ = now;
  }
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
