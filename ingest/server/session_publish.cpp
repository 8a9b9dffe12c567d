// Session: the publish role and media intake.
#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {

void Session::on_publish(uint32_t stream_id, const std::string& name) {
  request_role("publish", stream_id, name);
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
  if (ctx_.recorder) publish_->set_recording(ctx_.recorder->start(conn_id_, key));
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
  if (!media) return;
  publish_->stream()->publish_media(media);
  if (auto* recording = publish_->recording()) recording->offer(media);
}

}  // namespace rtmp::server
