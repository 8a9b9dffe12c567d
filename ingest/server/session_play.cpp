// Session: the play role and its registry::Subscriber side.
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "common/logging.hpp"
#include "ingest/server/session.hpp"
#include "ingest/server/session_subscriber.hpp"

namespace rtmp::server {

void Session::on_play(uint32_t stream_id, const std::string& name) {
  request_role("play", stream_id, name);
}

registry::PlayerLink* Session::player_link() const {
  return player_ ? &player_.subscriber().link() : nullptr;
}

void Session::start_play(uint32_t stream_id, const std::string& name, const std::string& key,
                         const std::string& query) {
  role_ = Role::kSubscriber;
  play_stream_id_ = stream_id;
  play_name_ = name;
  std::weak_ptr<Session> weak = weak_from_this();
  auto sub = std::make_shared<SessionSubscriber>(
      weak, ctx_.options.player_queue, ctx_.options.player_max_skips,
      [weak] {
        if (auto self = weak.lock())
          net::post(self->strand_, net::bind_allocator(WakeAllocator(self->wake_slot_),
                                                       [self] { self->on_wake(); }));
      },
      events::PlayStart{remote_addr_, query});
  rtmp_.accept_play(stream_id, name);
  take_control();  // Play.Start goes before anything the publisher sends
  player_listing_ =
      ctx_.registry.directory().add(registry::Directory::Entry{.conn_id = conn_id_,
                                                               .key = key,
                                                               .remote_addr = remote_addr_,
                                                               .since_unix_ms = unix_now_ms(),
                                                               .publisher = false,
                                                               .recording_ended = nullptr,
                                                               .conn = io_,
                                                               .publish = nullptr,
                                                               .subscriber = sub,
                                                               .relays = {}});
  player_ = ctx_.registry.join(key, std::move(sub), conn_id_);
  common::log::info({.conn_id = conn_id_, .stream_key = key, .remote_addr = remote_addr_},
                    "play started");
}

void Session::end_play(events::StopReason reason) {
  // The link lives on in the SessionSubscriber while the publisher's strand
  // still holds it (until its next message); it is closed now.
  player_.end(reason);
  player_listing_.reset();
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_}, "play stopped");
}

void Session::on_attach(registry::BurstPtr burst) {
  net::post(strand_, [self = shared_from_this(), burst = std::move(burst)]() mutable {
    if (self->closed_ || !self->player_) return;
    if (self->play_waiting_) {
      self->rtmp_.notify_published(self->play_stream_id_, self->play_name_);
      self->play_waiting_ = false;
    }
    self->take_control();
    if (!burst->messages.empty()) self->out_.push_back(OutItem{nullptr, {}, std::move(burst), 0});
    self->media_attached_ = true;
    self->flush();
  });
}

void Session::on_publisher_gone() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->closed_ || !self->player_) return;
    // What the publisher sent before it left goes out before the notice.
    self->take_control();
    registry::PlayerLink& link = *self->player_link();
    registry::MediaPtr m;
    while (link.pop(m)) self->out_.push_back(OutItem{std::move(m), {}, nullptr, 0});
    self->media_attached_ = false;  // until the next publisher's burst
    self->rtmp_.notify_unpublished(self->play_stream_id_, self->play_name_);
    self->play_waiting_ = true;
    self->flush();
  });
}

}  // namespace rtmp::server
