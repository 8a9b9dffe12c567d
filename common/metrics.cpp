// Prometheus registry and text exposition format 0.0.4 (see metrics.hpp).
#include "common/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rtmp::common::metrics {
namespace {

bool valid_name(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void check_labels(const std::string& metric, const Labels& labels, bool histogram) {
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& key = labels[i].first;
    if (!valid_name(key, false) || key.rfind("__", 0) == 0 || (histogram && key == "le")) {
      throw std::invalid_argument("metric " + metric + ": bad label name \"" + key + "\"");
    }
    for (size_t j = 0; j < i; ++j) {
      if (labels[j].first == key) {
        throw std::invalid_argument("metric " + metric + ": label \"" + key + "\" twice");
      }
    }
  }
}

// Go's float formatting as Prometheus reads it: shortest round-trip, +Inf, NaN.
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void append_escaped(std::string& out, const std::string& s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` plus an optional extra label (le); nothing when both are empty.
void append_labels(std::string& out, const Labels& labels, const char* extra_key = nullptr,
                   const std::string& extra_value = {}) {
  if (labels.empty() && !extra_key) return;
  out += '{';
  bool first = true;
  auto one = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out += '"';
  };
  for (const auto& [k, v] : labels) one(k, v);
  if (extra_key) one(extra_key, extra_value);
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const char* suffix,
                   const Labels& labels, const std::string& value, const char* extra_key = nullptr,
                   const std::string& extra_value = {}) {
  out += name;
  out += suffix;
  append_labels(out, labels, extra_key, extra_value);
  out += ' ';
  out += value;
  out += '\n';
}

const char* type_name(int type) {
  static const char* const names[] = {"counter", "gauge", "histogram"};
  return names[type];
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
    }
  }
}

void Histogram::observe(double v) {
  // First bound >= v: Prometheus buckets are "less than or equal".
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.count = total;  // always equals the +Inf bucket, even while observed
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Registry::Child& Registry::find_or_add(const std::string& name, const std::string& help, Type type,
                                       Labels labels) {
  if (!valid_name(name, true)) throw std::invalid_argument("bad metric name \"" + name + "\"");
  check_labels(name, labels, type == Type::histogram);
  auto family = std::find_if(families_.begin(), families_.end(),
                             [&](const Family& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(Family{name, help, type, {}});
    family = std::prev(families_.end());
  } else if (family->type != type) {
    throw std::invalid_argument("metric " + name + " already registered as " +
                                type_name(static_cast<int>(family->type)));
  }
  for (Child& child : family->children) {
    if (child.labels == labels) {
      return child;
    }
  }
  Child child;
  child.labels = std::move(labels);
  family->children.push_back(std::move(child));
  return family->children.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mutex_);
  Child& child = find_or_add(name, help, Type::counter, std::move(labels));
  if (!child.counter) {
    if (child.callback) throw std::invalid_argument("metric " + name + " is a callback");
    child.counter = &counters_.emplace_back();
  }
  return *child.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mutex_);
  Child& child = find_or_add(name, help, Type::gauge, std::move(labels));
  if (!child.gauge) {
    if (child.callback) throw std::invalid_argument("metric " + name + " is a callback");
    child.gauge = &gauges_.emplace_back();
  }
  return *child.gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds, Labels labels) {
  Histogram fresh(bounds);  // validates before anything is registered
  std::lock_guard lock(mutex_);
  Child& child = find_or_add(name, help, Type::histogram, std::move(labels));
  if (!child.histogram) child.histogram = &histograms_.emplace_back(std::move(bounds));
  return *child.histogram;
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              std::function<double()> value, Labels labels) {
  std::lock_guard lock(mutex_);
  Child& child = find_or_add(name, help, Type::gauge, std::move(labels));
  if (child.gauge) throw std::invalid_argument("metric " + name + " is not a callback");
  child.callback = std::move(value);
}

void Registry::counter_callback(const std::string& name, const std::string& help,
                                std::function<double()> value, Labels labels) {
  std::lock_guard lock(mutex_);
  Child& child = find_or_add(name, help, Type::counter, std::move(labels));
  if (child.counter) throw std::invalid_argument("metric " + name + " is not a callback");
  child.callback = std::move(value);
}

void Registry::render_family(std::string& out, const Family& f) const {
  out += "# HELP ";
  out += f.name;
  out += ' ';
  append_escaped(out, f.help, false);
  out += "\n# TYPE ";
  out += f.name;
  out += ' ';
  out += type_name(static_cast<int>(f.type));
  out += '\n';
  for (const Child& c : f.children) {
    if (c.callback) {
      append_sample(out, f.name, "", c.labels, format_value(c.callback()));
    } else if (c.counter) {
      append_sample(out, f.name, "", c.labels, std::to_string(c.counter->value()));
    } else if (c.gauge) {
      append_sample(out, f.name, "", c.labels, std::to_string(c.gauge->value()));
    } else if (c.histogram) {
      Histogram::Snapshot s = c.histogram->snapshot();
      for (size_t i = 0; i < s.cumulative.size(); ++i) {
        std::string le = i < s.bounds.size() ? format_value(s.bounds[i]) : "+Inf";
        append_sample(out, f.name, "_bucket", c.labels, std::to_string(s.cumulative[i]), "le", le);
      }
      append_sample(out, f.name, "_sum", c.labels, format_value(s.sum));
      append_sample(out, f.name, "_count", c.labels, std::to_string(s.count));
    }
  }
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(families_.size() * 256);
  for (const Family& f : families_) render_family(out, f);
  return out;
}

}  // namespace rtmp::common::metrics
