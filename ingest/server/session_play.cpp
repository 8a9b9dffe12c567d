// Session: the play role and the registry::Subscriber side.
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {

void Session::on_play(uint32_t stream_id, const std::string& name) {
  request_role("play", stream_id, name);
}

void Session::start_play(uint32_t stream_id, const std::string& name, const std::string& key) {
  role_ = Role::kSubscriber;
  play_stream_id_ = stream_id;
  play_name_ = name;
  play_started_ = Clock::now();
  std::weak_ptr<Session> weak = weak_from_this();
  link_ = std::make_shared<registry::PlayerLink>(
      ctx_.options.player_queue, ctx_.options.player_max_skips, [weak] {
        if (auto self = weak.lock())
          net::post(self->strand_, net::bind_allocator(WakeAllocator(self->wake_slot_),
                                                       [self] { self->on_wake(); }));
      });
  rtmp_.accept_play(stream_id, name);
  take_control();  // Play.Start goes before anything the publisher sends
  play_stream_ =
      ctx_.registry.join(key, shared_from_this(), conn_id_, [this] { emit(events::PlayStart{}); });
  common::log::info({.conn_id = conn_id_, .stream_key = key, .remote_addr = remote_addr_},
                    "play started");
}

void Session::end_play() {
  const double duration = std::chrono::duration<double>(Clock::now() - play_started_).count();
  ctx_.registry.leave(play_stream_, shared_from_this(), conn_id_,
                      [this, duration] { emit(events::PlayStop{duration}); });
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_}, "play stopped");
  play_stream_.reset();
  // link_ stays: the publisher's strand may still hold this subscriber until
  // its next message, and only reads the (now closed) link through it.
}

void Session::on_attach(registry::BurstPtr burst) {
  net::post(strand_, [self = shared_from_this(), burst = std::move(burst)]() mutable {
    if (self->closed_ || !self->play_stream_) return;
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
    if (self->closed_ || !self->play_stream_) return;
    // What the publisher sent before it left goes out before the notice.
    self->take_control();
    registry::MediaPtr m;
    while (self->link_->pop(m)) self->out_.push_back(OutItem{std::move(m), {}, nullptr, 0});
    self->media_attached_ = false;  // until the next publisher's burst
    self->rtmp_.notify_unpublished(self->play_stream_id_, self->play_name_);
    self->play_waiting_ = true;
    self->flush();
  });
}

}  // namespace rtmp::server
