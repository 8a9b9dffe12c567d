#include "ingest/server/session_subscriber.hpp"

#include "ingest/server/session.hpp"

namespace rtmp::server {

SessionSubscriber::SessionSubscriber(std::weak_ptr<Session> session, size_t queue,
                                     uint32_t max_skips, std::function<void()> wake,
                                     events::PlayStart start)
    : session_(std::move(session)),
      link_(queue, max_skips, std::move(wake)),
      start_(std::move(start)) {}

void SessionSubscriber::on_attach(registry::BurstPtr burst) {
  if (auto s = session_.lock()) s->on_attach(std::move(burst));
}

void SessionSubscriber::on_publisher_gone() {
  if (auto s = session_.lock()) s->on_publisher_gone();
}

events::EventData SessionSubscriber::stop_event(events::StopReason reason,
                                                double duration_sec) const {
  return events::PlayStop{duration_sec, events::stop_reason_name(reason)};
}

}  // namespace rtmp::server
