#include "ingest/events/event_proto.hpp"

namespace rtmp::events {
namespace {

// Fills the type and the data alternative of `out` from each plain struct.
struct ToProto {
  rtmphooks::Event& out;

  void operator()(const ConnectionAccept& e) const {
    out.set_type(rtmphooks::CONNECTION_ACCEPT);
    auto* d = out.mutable_connection_accept();
    d->set_remote_addr(e.remote_addr);
    d->set_protocol(e.protocol);
  }
  void operator()(const HandshakeComplete&) const {
    out.set_type(rtmphooks::HANDSHAKE_COMPLETE);
    out.mutable_handshake_complete();
  }
  void operator()(const StreamCreate&) const {
    out.set_type(rtmphooks::STREAM_CREATE);
    out.mutable_stream_create();
  }
  void operator()(const StreamDelete&) const {
    out.set_type(rtmphooks::STREAM_DELETE);
    out.mutable_stream_delete();
  }
  void operator()(const PublishStart& e) const {
    out.set_type(rtmphooks::PUBLISH_START);
    auto* d = out.mutable_publish_start();
    d->set_remote_addr(e.remote_addr);
    d->set_query(e.query);
  }
  void operator()(const PublishStop& e) const {
    out.set_type(rtmphooks::PUBLISH_STOP);
    auto* d = out.mutable_publish_stop();
    d->set_audio_packets(e.audio_packets);
    d->set_video_packets(e.video_packets);
    d->set_total_bytes(e.total_bytes);
    d->set_audio_codec(e.audio_codec);
    d->set_video_codec(e.video_codec);
    d->set_duration_sec(e.duration_sec);
    d->set_reason(e.reason);
  }
  void operator()(const PlayStart& e) const {
    out.set_type(rtmphooks::PLAY_START);
    auto* d = out.mutable_play_start();
    d->set_remote_addr(e.remote_addr);
    d->set_query(e.query);
  }
  void operator()(const PlayStop& e) const {
    out.set_type(rtmphooks::PLAY_STOP);
    auto* d = out.mutable_play_stop();
    d->set_duration_sec(e.duration_sec);
    d->set_reason(e.reason);
  }
  void operator()(const CodecDetected& e) const {
    out.set_type(rtmphooks::CODEC_DETECTED);
    auto* d = out.mutable_codec_detected();
    d->set_media(e.media);
    d->set_codec(e.codec);
    if (e.width) d->set_width(*e.width);
    if (e.height) d->set_height(*e.height);
    if (e.fps) d->set_fps(*e.fps);
    if (e.profile) d->set_profile(*e.profile);
    if (e.level) d->set_level(*e.level);
    if (e.sample_rate) d->set_sample_rate(*e.sample_rate);
    if (e.channels) d->set_channels(*e.channels);
  }
  void operator()(const SubscriberCount& e) const {
    out.set_type(rtmphooks::SUBSCRIBER_COUNT);
    out.mutable_subscriber_count()->set_count(e.count);
  }
  void operator()(const AuthFailed& e) const {
    out.set_type(rtmphooks::AUTH_FAILED);
    auto* d = out.mutable_auth_failed();
    d->set_action(e.action);
    d->set_error(e.error);
    d->set_remote_addr(e.remote_addr);
  }
  void operator()(const ConnectionClose& e) const {
    out.set_type(rtmphooks::CONNECTION_CLOSE);
    auto* d = out.mutable_connection_close();
    d->set_role(e.role);
    d->set_duration_sec(e.duration_sec);
    d->set_reason(e.reason);
  }
  void operator()(const RecordingStart& e) const {
    out.set_type(rtmphooks::RECORDING_START);
    auto* d = out.mutable_recording_start();
    d->set_path(e.path);
    d->set_format(e.format);
    d->set_codec(e.codec);
    d->set_segmented(e.segmented);
    d->set_segment_duration(e.segment_duration_ms);
  }
  void operator()(const SegmentComplete& e) const {
    out.set_type(rtmphooks::SEGMENT_COMPLETE);
    auto* d = out.mutable_segment_complete();
    d->set_path(e.path);
    d->set_size(e.size);
    d->set_segment_index(e.segment_index);
    d->set_duration_ms(e.duration_ms);
    d->set_codec(e.codec);
    d->set_format(e.format);
  }
  void operator()(const RecordingStop& e) const {
    out.set_type(rtmphooks::RECORDING_STOP);
    auto* d = out.mutable_recording_stop();
    d->set_path(e.path);
    d->set_segments(e.segments);
    d->set_bytes(e.bytes);
    d->set_duration_sec(e.duration_sec);
    d->set_error(e.error);
  }
  void operator()(const RelayStart& e) const {
    out.set_type(rtmphooks::RELAY_START);
    out.mutable_relay_start()->set_target(e.target);
  }
  void operator()(const RelayStop& e) const {
    out.set_type(rtmphooks::RELAY_STOP);
    auto* d = out.mutable_relay_stop();
    d->set_target(e.target);
    d->set_bytes(e.bytes);
    d->set_duration_sec(e.duration_sec);
    d->set_reason(e.reason);
  }
  void operator()(const RelayError& e) const {
    out.set_type(rtmphooks::RELAY_ERROR);
    auto* d = out.mutable_relay_error();
    d->set_target(e.target);
    d->set_error(e.error);
    d->set_attempt(e.attempt);
    d->set_retry_in_sec(e.retry_in_sec);
  }
  void operator()(const StreamStats& e) const {
    out.set_type(rtmphooks::STREAM_STATS);
    auto* d = out.mutable_stream_stats();
    d->set_bitrate_kbps(e.bitrate_kbps);
    d->set_fps(e.fps);
    d->set_players(e.players);
    d->set_bytes_in(e.bytes_in);
    d->set_bytes_out(e.bytes_out);
    d->set_dropped(e.dropped);
  }
};

}  // namespace

void fill_proto(const Event& event, rtmphooks::Event& out) {
  out.Clear();
  out.set_conn_id(event.conn_id);
  out.set_stream_key(event.stream_key);
  out.set_emitted_unix_ns(event.emitted_unix_ns);
  std::visit(ToProto{out}, event.data);
}

rtmphooks::Event to_proto(const Event& event) {
  rtmphooks::Event out;
  fill_proto(event, out);
  return out;
}

}  // namespace rtmp::events
