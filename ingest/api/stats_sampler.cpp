#include "ingest/api/stats_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace rtmp::api {
namespace {

constexpr auto kSamplePeriod = std::chrono::milliseconds(500);

}  // namespace

StatsSampler::StatsSampler(registry::Directory& directory, events::EventSink& sink,
                           common::Duration stats_interval)
    : directory_(directory), sink_(sink), stats_interval_(stats_interval) {
  thread_ = std::thread([this] { run(); });
}

StatsSampler::~StatsSampler() {
  stop();
}

void StatsSampler::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// Wakes for the next sample or the next stream_stats, whichever comes first:
// an interval shorter than the sample period is kept too.
void StatsSampler::run() {
  const bool stats = stats_interval_ > common::Duration::zero();
  auto next_sample = Clock::now() + kSamplePeriod;
  auto next_stats = Clock::now() + stats_interval_;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    cv_.wait_until(lock, stats ? std::min(next_sample, next_stats) : next_sample,
                   [this] { return stop_; });
    if (stop_) break;
    const auto now = Clock::now();
    lock.unlock();
    sample(now);
    if (now >= next_sample) next_sample = now + kSamplePeriod;
    if (stats && now >= next_stats) {
      emit_stats();
      // On a fixed grid: a late tick does not push later ones back.
      while (next_stats <= now) next_stats += stats_interval_;
    }
    lock.lock();
  }
}

void StatsSampler::sample(Clock::time_point now) {
  const auto streams = directory_.streams();
  std::lock_guard lock(mutex_);
  std::set<std::string> live;
  for (const auto& s : streams) {
    const auto& p = s.publisher;
    live.insert(p.conn_id);
    auto& pub = samples_[p.conn_id];
    if (pub.since_unix_ms != p.since_unix_ms) pub = Publish{p.since_unix_ms, {}};
    pub.window.add(now, {p.conn->bytes_in.load(std::memory_order_relaxed),
                         p.publish ? p.publish->video_frames() : 0});
  }
  std::erase_if(samples_, [&](const auto& kv) { return live.count(kv.first) == 0; });
}

StreamFigures StatsSampler::figures(const registry::Directory::StreamView& s) const {
  StreamFigures f;
  const auto& p = s.publisher;
  f.bytes_in = p.conn->bytes_in.load(std::memory_order_relaxed);
  const uint64_t frames = p.publish ? p.publish->video_frames() : 0;
  f.players = static_cast<uint32_t>(s.players.size());
  f.bytes_out = s.departed_bytes_out;
  f.dropped = s.departed_dropped;
  for (const auto& pl : s.players) {
    f.bytes_out += pl.conn->bytes_out.load(std::memory_order_relaxed);
    if (pl.subscriber) f.dropped += pl.subscriber->link().dropped();
  }
  {
    std::lock_guard lock(mutex_);
    auto it = samples_.find(p.conn_id);
    if (it != samples_.end() && it->second.since_unix_ms == p.since_unix_ms) {
      const auto r = it->second.window.rates(Clock::now(), {f.bytes_in, frames});
      f.bitrate_kbps = r.bitrate_kbps;
      f.fps = r.fps;
    }
  }
  f.bitrate_kbps = std::round(f.bitrate_kbps * 10) / 10;
  f.fps = std::round(f.fps * 100) / 100;
  return f;
}

void StatsSampler::emit_stats() {
  for (const auto& s : directory_.streams()) {
    const StreamFigures f = figures(s);
    sink_.emit(events::Event{
        s.publisher.conn_id, s.publisher.key,
        events::StreamStats{f.bitrate_kbps, f.fps, f.players, f.bytes_in, f.bytes_out, f.dropped},
        0});
  }
}

}  // namespace rtmp::api
