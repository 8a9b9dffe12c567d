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
    if (self->paused_) {
      // Not sent while paused: its configuration is kept for the resume.
      for (const auto& m : burst->messages) self->admit_after_pause(m);
    } else if (!burst->messages.empty()) {
      self->out_.push_back(OutItem{nullptr, {}, std::move(burst), 0});
      self->resume_at_keyframe_ = false;  // a burst starts where video can
    }
    self->media_attached_ = true;
    self->bound_unacknowledged(false);
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
    while (link.pop(m)) {
      if (self->admits(m)) self->out_.push_back(OutItem{std::move(m), {}, nullptr, 0});
    }
    self->media_attached_ = false;  // until the next publisher's burst
    self->bound_unacknowledged(true);
    self->rtmp_.notify_unpublished(self->play_stream_id_, self->play_name_);
    self->play_waiting_ = true;
    self->flush();
  });
}

// A live pause, as nginx-rtmp does it: nothing is sent while paused (what
// comes is dropped, never queued, so a paused player is no slow player),
// and the play resumes at the next keyframe.
void Session::on_pause(uint32_t stream_id, bool pause) {
  if (!player_ || stream_id != play_stream_id_ || pause == paused_) return;
  paused_ = pause;
  // Nothing is written while paused, so the write timeout cannot notice a
  // peer that went away: the kernel's bound on unacknowledged data does.
  if (media_attached_) bound_unacknowledged(pause);
  common::log::debug({.conn_id = conn_id_, .stream_key = stream_key_}, "play {}",
                     pause ? "paused" : "resumed");
  rtmp_.notify_paused(play_stream_id_, pause, play_name_);
  take_control();  // the notice before the configuration resent below
  if (!pause) {
    resume_at_keyframe_ = true;
    for (auto* held : {&paused_metadata_, &paused_video_config_, &paused_audio_config_}) {
      if (*held) out_.push_back(OutItem{std::move(*held), {}, nullptr, 0});
      held->reset();
    }
  }
  flush();
}

// While paused: false, keeping the newest configuration messages. After:
// video waits for its keyframe; audio and data pass.
bool Session::admit_after_pause(const registry::MediaPtr& m) {
  if (paused_) {
    if (m->sequence_header)
      (m->video ? paused_video_config_ : m->audio ? paused_audio_config_ : paused_metadata_) = m;
    return false;
  }
  if (!m->video || m->sequence_header) return true;
  if (!m->keyframe) return false;
  resume_at_keyframe_ = false;
  return true;
}

}  // namespace rtmp::server
