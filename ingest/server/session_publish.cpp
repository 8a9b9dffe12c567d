// Session: the publish role and media intake.
#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {

void Session::on_publish(uint32_t stream_id, const std::string& name) {
  request_role("publish", stream_id, name);
}

void Session::start_publish(uint32_t stream_id, const std::string& name, const std::string& key,
                            const std::string& query) {
  registry::PublisherRole role =
      ctx_.registry.publish(key, conn_id_, events::PublishStart{remote_addr_, query});
  if (!role) {
    common::log::info({.conn_id = conn_id_, .stream_key = key},
                      "publish refused: already publishing");
    rtmp_.reject_publish(stream_id, "NetStream.Publish.BadName",
                         "Stream " + key + " is already publishing");
    return;
  }
  role_ = Role::kPublisher;
  publish_.emplace(std::move(role), stream_id, name);
  recording_tail_ = publish_->start_recording(ctx_.recorder, conn_id_, key);
  // The key as published (app/name), which is also what an auth rename gave.
  publish_->announce({.registry = ctx_.registry,
                      .executor = socket_.get_executor(),
                      .relay = ctx_.relay,
                      .chunk_size = rtmp_.out_chunk_size(),
                      .conn_id = conn_id_,
                      .key = key,
                      .remote_addr = remote_addr_,
                      .conn = io_});
  rtmp_.accept_publish(stream_id, name);
  common::log::info({.conn_id = conn_id_, .stream_key = key, .remote_addr = remote_addr_},
                    "publish started");
}

void Session::end_publish(events::StopReason reason, bool notify) {
  publish_->end_relays(reason);
  publish_->role().end(reason);
  publish_.reset();
  rtmp_.end_publish(notify);
  common::log::info({.conn_id = conn_id_, .stream_key = stream_key_}, "publish stopped");
}

void Session::on_stream_end(uint32_t stream_id) {
  if (publish_ && stream_id == publish_->stream_id()) {
    end_publish(events::StopReason::kClient, true);
  } else if (player_ && stream_id == play_stream_id_) {
    end_play(events::StopReason::kClient);
  }
}

void Session::on_media(protocol::Message&& message) {
  if (!publish_ || closed_) return;
  std::vector<events::CodecDetected> detected;
  publish_->deliver(std::move(message), rtmp_.out_chunk_size(), detected);
  for (auto& d : detected) emit(std::move(d));
}

}  // namespace rtmp::server
