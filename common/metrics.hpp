#pragma once
// A small Prometheus registry: counters, gauges and fixed-bucket histograms
// updated with relaxed atomics (no lock on the hot path), rendered in the text
// exposition format 0.0.4 for /metrics.
//
//   common::metrics::Registry reg;   // in main(), outlives every user
//   auto& conns = reg.gauge("rtmp_ingest_connections", "Open RTMP connections.");
//   auto& bytes = reg.counter("rtmp_ingest_bytes_received_total", "Bytes read from clients.");
//   auto& runs = reg.counter("rtmp_dispatcher_hook_executions_total", "Hook runs.",
//                            {{"kind", "webhook"}});
//   auto& took = reg.histogram("rtmp_dispatcher_hook_duration_seconds", "Hook run time.",
//                              common::metrics::default_latency_buckets(), {{"kind", "webhook"}});
//   reg.gauge_callback("rtmp_dispatcher_queue_depth", "Waiting runs.", [&] { return q.size(); });
//   conns.inc(); bytes.inc(n); took.observe(0.25);
//   std::string page = reg.render();
//
// Registration (at startup, or lazily) takes a lock and returns a reference
// that stays valid as long as the registry. Registering the same name and
// labels again returns the same metric. Counter names should end in _total.
// Callbacks run on the scraping thread and must be thread-safe.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rtmp::common::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void inc(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing finite upper bounds; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// 5ms .. 60s: hook runs, auth callbacks.
std::vector<double> default_latency_buckets();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Throw std::invalid_argument on a bad metric or label name, on a name
  // already registered with another type, or bad histogram bounds.
  Counter& counter(const std::string& name, const std::string& help, Labels labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, Labels labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       Labels labels = {});
  // Evaluated at every render (for values owned elsewhere: queue sizes, ZeroMQ state).
  void gauge_callback(const std::string& name, const std::string& help,
                      std::function<double()> value, Labels labels = {});
  void counter_callback(const std::string& name, const std::string& help,
                        std::function<double()> value, Labels labels = {});

  // Text exposition format 0.0.4, families in registration order.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Child {
    Labels labels;
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    Histogram* histogram = nullptr;
    std::function<double()> callback;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<Child> children;
  };
  Child& find_or_add(const std::string& name, const std::string& help, Type type, Labels labels);
  void render_family(std::string& out, const Family& family) const;

  mutable std::mutex mutex_;
  std::deque<Family> families_;
  std::deque<Counter> counters_;
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
};

}  // namespace rtmp::common::metrics
