#include "ingest/api/event_hub.hpp"

#include <algorithm>
#include <charconv>

#include "common/payload.hpp"
#include "events.pb.h"

namespace rtmp::api {

bool EventFilter::matches(const HubEvent& e) const {
  if (!streams.empty() && std::find(streams.begin(), streams.end(), e.stream_key) == streams.end())
    return false;
  return types.empty() || std::find(types.begin(), types.end(), e.type) != types.end();
}

void EventHub::observe(const rtmphooks::Event& event) noexcept {
  try {
    HubEvent e;
    e.seq = event.seq();
    e.type = std::string(common::event_type_name(event));
    e.stream_key = event.stream_key();
    std::string frame;
    frame.reserve(event.id().size() + 400);
    frame += "id: ";
    frame += event.id();
    frame += "\ndata: ";
    frame += common::render_json(event);
    frame += "\n\n";
    e.frame = std::make_shared<const std::string>(std::move(frame));
    const auto dash = event.id().rfind('-');

    // Released after the mutex: a client's last reference may go here, and
    // its destructor unsubscribes.
    std::vector<std::shared_ptr<EventClient>> hold;
    std::lock_guard lock(mutex_);
    if (dash != std::string::npos) id_prefix_.assign(event.id(), 0, dash + 1);
    bool gone = false;
    for (auto& sub : subs_) {
      if (!sub.filter.matches(e)) continue;
      auto client = sub.client.lock();
      if (client) hold.push_back(client);
      if (!client || !client->deliver(e.frame)) {
        sub.raw = nullptr;
        gone = true;
      }
    }
    if (gone) std::erase_if(subs_, [](const Subscription& s) { return s.raw == nullptr; });
    if (capacity_ == 0) return;
    if (ring_.size() == capacity_) ring_.pop_front();
    ring_.push_back(std::move(e));
  } catch (...) {
    // Out of memory: live clients miss this one event; the hooks do not.
  }
}

std::vector<std::shared_ptr<const std::string>> EventHub::subscribe(
    std::weak_ptr<EventClient> client, EventFilter filter,
    const std::optional<std::string>& last_event_id) {
  std::vector<std::shared_ptr<const std::string>> missed;
  const std::shared_ptr<EventClient> hold = client.lock();
  std::lock_guard lock(mutex_);
  if (last_event_id) {
    uint64_t after = 0;
    const auto dash = last_event_id->rfind('-');
    const bool ours = dash != std::string::npos &&
                      std::string_view(*last_event_id).substr(0, dash + 1) == id_prefix_;
    if (ours) {
      const char* first = last_event_id->data() + dash + 1;
      const char* last = last_event_id->data() + last_event_id->size();
      if (std::from_chars(first, last, after).ec != std::errc{}) after = 0;
    }
    for (const HubEvent& e : ring_)
      if (e.seq > after && filter.matches(e)) missed.push_back(e.frame);
  }
  if (finished_) {
    if (hold) hold->finish();
    return missed;
  }
  const EventClient* raw = hold.get();
  subs_.push_back(Subscription{std::move(client), raw, std::move(filter)});
  return missed;
}

void EventHub::finish() {
  // Released after the mutex, as in observe().
  std::vector<std::shared_ptr<EventClient>> hold;
  std::lock_guard lock(mutex_);
  finished_ = true;
  for (auto& sub : subs_) {
    if (auto client = sub.client.lock()) {
      client->finish();
      hold.push_back(std::move(client));
    }
  }
  subs_.clear();
}

void EventHub::unsubscribe(const EventClient* client) {
  std::lock_guard lock(mutex_);
  std::erase_if(subs_, [client](const Subscription& s) { return s.raw == client; });
}

size_t EventHub::clients() const {
  std::lock_guard lock(mutex_);
  return subs_.size();
}

}  // namespace rtmp::api
