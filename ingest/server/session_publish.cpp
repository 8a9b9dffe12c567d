// Session: the publish role, auth of publish and play, and media intake.
#include <boost/asio/dispatch.hpp>

#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {

bool Session::check_stream_name(const std::string& name, std::string& error) const {
  if (name.empty()) {
    error = "empty stream name";
    return false;
  }
  if (name.size() > ctx_.options.max_stream_name) {
    error = "stream name longer than " + std::to_string(ctx_.options.max_stream_name) + " bytes";
    return false;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      error = "control character in stream name";
      return false;
    }
  }
  return true;
}

auth::Request Session::auth_request(const std::string& action, const std::string& raw_name) const {
  const auth::StreamName sn = auth::split_stream_name(raw_name);
  auth::Request r;
  r.action = action;
  r.app = rtmp_.app();
  r.stream_name = sn.name;
  r.stream_key = rtmp_.app().empty() ? sn.name : rtmp_.app() + "/" + sn.name;
  r.token = sn.token;
  r.remote_addr = remote_addr_;
  return r;
}

void Session::refuse(const std::string& action, uint32_t stream_id, const std::string& error) {
  ctx_.counters.auth_failures.fetch_add(1);
  common::log::warn({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "{} refused: {}", action, error);
  emit(events::AuthFailed{action, error, remote_addr_});
  if (action == "publish") {
    rtmp_.reject_publish(stream_id, "NetStream.Publish.Unauthorized", "Authentication failed");
  } else {
    rtmp_.reject_play(stream_id, "NetStream.Play.Unauthorized", "Authentication failed");
  }
  close_after_flush(action + " refused by auth");
}

void Session::on_publish(uint32_t stream_id, const std::string& name) {
  auth::Request req = auth_request("publish", name);
  std::string error;
  if (!check_stream_name(req.stream_name, error)) {
    common::log::warn({.conn_id = conn_id_, .remote_addr = remote_addr_}, "publish refused: {}",
                      error);
    rtmp_.reject_publish(stream_id, "NetStream.Publish.BadName", error);
    return;
  }
  if (role_ != Role::kNone || auth_pending_) {
    rtmp_.reject_publish(stream_id, "NetStream.Publish.BadName", "connection already in use");
    return;
  }
  auth_pending_ = true;  // a second publish/play before the answer is refused
  ctx_.authorizer.authorize(req, [self = shared_from_this(), stream_id, req](auth::Decision d) {
    net::dispatch(self->strand_, [self, stream_id, req, d] {
      self->auth_pending_ = false;
      if (self->closed_ || !self->closing_reason_.empty()) return;
      self->stream_key_ = req.stream_key;
      if (!d.allowed) return self->refuse("publish", stream_id, d.error);
      self->start_publish(stream_id, req.stream_name, req.stream_key);
      self->flush();
    });
  });
}

void Session::start_publish(uint32_t stream_id, const std::string& name, const std::string& key) {
  auto stream = ctx_.registry.publish(key, conn_id_, [this] { emit(events::PublishStart{}); });
  if (!stream) {
    common::log::info({.conn_id = conn_id_, .stream_key = key},
                      "publish refused: already publishing");
    rtmp_.reject_publish(stream_id, "NetStream.Publish.BadName",
                         "Stream " + key + " is already publishing");
    stream_key_.clear();
    return;
  }
  role_ = Role::kPublisher;
  publish_.emplace(std::move(stream), stream_id, key, name);
  rtmp_.accept_publish(stream_id, name);
  common::log::info({.conn_id = conn_id_, .stream_key = key, .remote_addr = remote_addr_},
                    "publish started");
}

void Session::end_publish(bool notify) {
  PublishState& p = *publish_;
  ctx_.registry.unpublish(p.stream(), conn_id_, [this, &p] { emit(p.stop_info()); });
  rtmp_.end_publish(notify);
  common::log::info({.conn_id = conn_id_, .stream_key = p.key()}, "publish stopped");
  publish_.reset();
}

void Session::on_stream_end(uint32_t stream_id) {
  if (publish_ && stream_id == publish_->stream_id()) {
    end_publish(true);
  } else if (play_stream_ && stream_id == play_stream_id_) {
    end_play();
  }
}

void Session::on_media(protocol::Message&& message) {
  if (!publish_ || closed_) return;
  std::vector<events::CodecDetected> detected;
  auto media = publish_->ingest(std::move(message), rtmp_.out_chunk_size(), detected);
  for (auto& d : detected) emit(std::move(d));
  if (media) publish_->stream()->publish_media(media);
}

}  // namespace rtmp::server
