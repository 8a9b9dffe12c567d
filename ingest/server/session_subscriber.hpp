#pragma once
// A playing session as the registry sees it: its PlayerLink and the data of
// its play_start / play_stop. A separate object from the Session, so the
// stream's reference to it does not keep the session alive: the session
// owns the PlayerRole, and the role's end (explicit or by the session's
// destruction) leaves the stream.
#include <functional>
#include <memory>
#include <string>

#include "ingest/registry/subscriber.hpp"

namespace rtmp::server {

class Session;

class SessionSubscriber final : public registry::Subscriber {
 public:
  SessionSubscriber(std::weak_ptr<Session> session, size_t queue, uint32_t max_skips,
                    std::function<void()> wake, events::PlayStart start);

  registry::PlayerLink& link() override { return link_; }
  void on_attach(registry::BurstPtr burst) override;
  void on_publisher_gone() override;
  events::EventData start_event() const override { return start_; }
  events::EventData stop_event(events::StopReason reason, double duration_sec) const override;

 private:
  std::weak_ptr<Session> session_;
  registry::PlayerLink link_;
  events::PlayStart start_;
};

}  // namespace rtmp::server
