#include "ingest/server/publish_state.hpp"

#include "ingest/media/codec_info.hpp"
#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/protocol/amf0.hpp"

namespace rtmp::server {
namespace {

using protocol::MessageType;

// Codecs whose first tag is a configuration record; codec_detected waits for
// it so width/height/sample rate are known. Others report on the first frame.
bool has_sequence_header(const std::string& codec) {
  return codec == "H264" || codec == "H265" || codec == "AV1" || codec == "VP9" || codec == "AAC" ||
         codec == "Opus" || codec == "FLAC";
}

}  // namespace

PublishState::PublishState(registry::PublisherRole role, uint32_t stream_id, std::string name)
    : role_(std::move(role)), stream_id_(stream_id), name_(std::move(name)) {}

registry::MediaPtr PublishState::ingest(protocol::Message&& m, uint32_t chunk_size,
                                        std::vector<events::CodecDetected>& detected) {
  registry::PublishStats& stats = role_.stats();
  stats.total_bytes += m.payload.size();
  bool keyframe = false;
  bool config = false;
  uint8_t track = 0;
  uint32_t timestamp = m.header.timestamp;
  switch (m.type()) {
    case MessageType::kVideo: {
      const media::VideoPacket packet = media::parse_video_packet(m.payload);
      const media::VideoTag& tag = packet.tag;
      if (!tag.valid || tag.command_frame) return nullptr;
      // Coded frames are counted (as an encoder counts them) and only they
      // can be the keyframe a late player starts at.
      const bool frame = packet.coded_frames();
      if (frame) {
        ++stats.video_packets;
        counters_->count(true);
      }
      // Enhanced RTMP multitrack: track 0 is the stream's (its codec is the
      // one named, its keyframes start a GOP); the others pass through.
      track = packet.track;
      if (!tag.codec.empty() && track == 0) stats.video_codec = tag.codec;
      keyframe = frame && tag.keyframe && track == 0;
      config = tag.sequence_header;
      if (track == 0) detect_video(m.payload, tag.sequence_header, detected);
      break;
    }
    case MessageType::kAudio: {
      const media::AudioPacket packet = media::parse_audio_packet(m.payload);
      const media::AudioTag& tag = packet.tag;
      if (!tag.valid) return nullptr;
      if (packet.coded_frames()) {
        ++stats.audio_packets;
        counters_->count(false);
      }
      track = packet.track;
      if (!tag.codec.empty() && track == 0) stats.audio_codec = tag.codec;
      config = tag.sequence_header;
      if (track == 0) detect_audio(m.payload, tag.sequence_header, detected);
      break;
    }
    default: {
      // Data: onMetaData is the stream's description (cached for late
      // players, and its framerate completes codec_detected). Other data
      // (onTextData, onCuePoint, onCaptionInfo, @clearDataFrame, which is
      // meant for the server) is counted and not passed on, as nginx-rtmp does.
      size_t pos = 0;
      amf0::Value first;
      if (!amf0::decode(m.payload, pos, first).empty() || !first.is_string() ||
          first.string != "onMetaData")
        return nullptr;
      config = true;
      read_metadata(m.payload);
      // Players get the description at timestamp 0, as nginx-rtmp sends
      // it: ffmpeg's FLV reader makes a data ("text") stream of a script
      // tag with a media timestamp, and encoders such as GStreamer's
      // flvmux resend it every second.
      timestamp = 0;
      break;
    }
  }
  return registry::make_media_message(m.header.type_id, timestamp, std::move(m.payload), chunk_size,
                                      keyframe, config, track);
}

std::shared_ptr<record::RecordingTail> PublishState::start_recording(record::Recorder* recorder,
                                                                     const std::string& conn_id,
                                                                     const std::string& key) {
  if (recorder) recording_ = recorder->start(conn_id, key);
  return recording_ ? recording_->tail() : nullptr;
}

void PublishState::end_relays(events::StopReason publish_reason) {
  const auto reason = publish_reason == events::StopReason::kShutdown
                          ? events::StopReason::kShutdown
                          : events::StopReason::kClient;
  for (auto& r : relays_) r.end(reason);
  relays_.clear();
}

void PublishState::read_metadata(std::span<const uint8_t> payload) {
  std::vector<amf0::Value> values;
  if (!amf0::decode_all(payload, values).empty() || values.size() < 2) return;
  if (auto fps = values[1].get_number("framerate"); fps && *fps > 0) fps_hint_ = *fps;
}

void PublishState::detect_video(std::span<const uint8_t> payload, bool sequence_header,
                                std::vector<events::CodecDetected>& detected) {
  const std::string& codec = role_.stats().video_codec;
  if (video_reported_ || codec.empty()) return;
  if (!sequence_header && has_sequence_header(codec)) return;
  auto info = media::describe_video(payload, fps_hint_);
  if (!info) info = events::CodecDetected{"video", codec, {}, {}, {}, {}, {}, {}, {}};
  video_reported_ = true;
  detected.push_back(std::move(*info));
}

void PublishState::detect_audio(std::span<const uint8_t> payload, bool sequence_header,
                                std::vector<events::CodecDetected>& detected) {
  const std::string& codec = role_.stats().audio_codec;
  if (audio_reported_ || codec.empty()) return;
  if (!sequence_header && has_sequence_header(codec)) return;
  auto info = media::describe_audio(payload);
  if (!info) info = events::CodecDetected{"audio", codec, {}, {}, {}, {}, {}, {}, {}};
  audio_reported_ = true;
  detected.push_back(std::move(*info));
}

void PublishState::deliver(protocol::Message&& m, uint32_t chunk_size,
                           std::vector<events::CodecDetected>& detected) {
  const size_t first_new = detected.size();
  auto media = ingest(std::move(m), chunk_size, detected);
  for (size_t i = first_new; i < detected.size(); ++i) counters_->detected(detected[i]);
  if (!media) return;
  role_.stream().publish_media(media);
  if (recording_) recording_->offer(media);
}

void PublishState::announce(const Announce& a) {
  std::vector<relay::Relay> relays;
  if (a.relay && a.relay->enabled()) {
    const size_t slash = a.key.find('/');
    const std::string app = slash == std::string::npos ? std::string() : a.key.substr(0, slash);
    const std::string name = slash == std::string::npos ? a.key : a.key.substr(slash + 1);
    relays =
        relay::start_relays(a.registry, a.executor, *a.relay, a.chunk_size, a.conn_id, app, name);
  }
  std::vector<std::shared_ptr<const registry::RelayStatus>> relay_status;
  for (const auto& r : relays)
    if (auto st = r.status()) relay_status.push_back(std::move(st));
  relays_ = std::move(relays);
  const int64_t since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  listing_ = a.registry.directory().add(
      registry::Directory::Entry{.conn_id = a.conn_id,
                                 .key = a.key,
                                 .remote_addr = a.remote_addr,
                                 .since_unix_ms = since_ms,
                                 .publisher = true,
                                 .recording_ended = recording_ ? recording_->ended_flag() : nullptr,
                                 .conn = a.conn,
                                 .publish = counters_,
                                 .subscriber = nullptr,
                                 .relays = std::move(relay_status)});
}

}  // namespace rtmp::server
