#include "ingest/registry/directory.hpp"

#include <utility>

namespace rtmp::registry {

void PublishCounters::detected(const events::CodecDetected& d) {
  if (d.media == "video") {
    if (video_set_.load(std::memory_order_relaxed)) return;
    video_ = Video{d.codec, d.width, d.height, d.fps};
    video_set_.store(true, std::memory_order_release);
  } else if (d.media == "audio") {
    if (audio_set_.load(std::memory_order_relaxed)) return;
    audio_ = Audio{d.codec, d.sample_rate, d.channels};
    audio_set_.store(true, std::memory_order_release);
  }
}

Directory::Listing& Directory::Listing::operator=(Listing&& o) noexcept {
  if (this == &o) return *this;
  reset();
  dir_ = std::exchange(o.dir_, nullptr);
  conn_id_ = std::move(o.conn_id_);
  return *this;
}

void Directory::Listing::reset() noexcept {
  if (auto* dir = std::exchange(dir_, nullptr)) dir->remove(conn_id_);
}

Directory::Listing Directory::add(Entry entry) {
  std::string conn_id = entry.conn_id;
  std::lock_guard lock(mutex_);
  if (entry.publisher) {
    publishers_[entry.key] = conn_id;
    departed_.erase(entry.key);
  }
  entries_[conn_id] = std::move(entry);
  return Listing(this, std::move(conn_id));
}

void Directory::remove(const std::string& conn_id) noexcept {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(conn_id);
  if (it == entries_.end()) return;
  const Entry& e = it->second;
  if (e.publisher) {
    auto p = publishers_.find(e.key);
    if (p != publishers_.end() && p->second == conn_id) publishers_.erase(p);
    departed_.erase(e.key);
  } else if (publishers_.count(e.key) != 0) {
    auto& [bytes, dropped] = departed_[e.key];
    bytes += e.conn->bytes_out.load(std::memory_order_relaxed);
    if (e.subscriber) dropped += e.subscriber->link().dropped();
  }
  entries_.erase(it);
}

Directory::StreamView Directory::view_of(const Entry& publisher) const {
  StreamView v;
  v.publisher = publisher;
  for (const auto& [id, e] : entries_)
    if (!e.publisher && e.key == publisher.key) v.players.push_back(e);
  if (auto d = departed_.find(publisher.key); d != departed_.end()) {
    v.departed_bytes_out = d->second.first;
    v.departed_dropped = d->second.second;
  }
  return v;
}

std::vector<Directory::StreamView> Directory::streams() const {
  std::lock_guard lock(mutex_);
  std::vector<StreamView> out;
  out.reserve(publishers_.size());
  for (const auto& [key, conn_id] : publishers_) out.push_back(view_of(entries_.at(conn_id)));
  return out;
}

std::optional<Directory::StreamView> Directory::stream(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto p = publishers_.find(key);
  if (p == publishers_.end()) return std::nullopt;
  return view_of(entries_.at(p->second));
}

std::optional<std::string> Directory::publisher_of(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto p = publishers_.find(key);
  if (p == publishers_.end()) return std::nullopt;
  return p->second;
}

}  // namespace rtmp::registry
