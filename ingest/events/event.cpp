#include "ingest/events/event.hpp"

namespace rtmp::events {
namespace {

struct Namer {
  const char* operator()(const ConnectionAccept&) const { return "connection_accept"; }
  const char* operator()(const HandshakeComplete&) const { return "handshake_complete"; }
  const char* operator()(const StreamCreate&) const { return "stream_create"; }
  const char* operator()(const StreamDelete&) const { return "stream_delete"; }
  const char* operator()(const PublishStart&) const { return "publish_start"; }
  const char* operator()(const PublishStop&) const { return "publish_stop"; }
  const char* operator()(const PlayStart&) const { return "play_start"; }
  const char* operator()(const PlayStop&) const { return "play_stop"; }
  const char* operator()(const CodecDetected&) const { return "codec_detected"; }
  const char* operator()(const SubscriberCount&) const { return "subscriber_count"; }
  const char* operator()(const AuthFailed&) const { return "auth_failed"; }
  const char* operator()(const ConnectionClose&) const { return "connection_close"; }
  const char* operator()(const RecordingStart&) const { return "recording_start"; }
  const char* operator()(const SegmentComplete&) const { return "segment_complete"; }
  const char* operator()(const RecordingStop&) const { return "recording_stop"; }
  const char* operator()(const RelayStart&) const { return "relay_start"; }
  const char* operator()(const RelayStop&) const { return "relay_stop"; }
  const char* operator()(const RelayError&) const { return "relay_error"; }
  const char* operator()(const StreamStats&) const { return "stream_stats"; }
};

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kClient:
      return "client";
    case StopReason::kDisconnect:
      return "disconnect";
    case StopReason::kIdleTimeout:
      return "idle_timeout";
    case StopReason::kAuth:
      return "auth";
    case StopReason::kKicked:
      return "kicked";
    case StopReason::kShutdown:
      return "shutdown";
    case StopReason::kError:
      break;
  }
  return "error";
}

const char* event_name(const EventData& data) {
  return std::visit(Namer{}, data);
}

}  // namespace rtmp::events
