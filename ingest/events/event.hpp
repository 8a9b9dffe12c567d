#pragma once
// Lifecycle events as sessions produce them (docs/events.md): plain structs, no
// protobuf. Only the ZeroMQ emitter turns them into proto/events.proto.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace rtmp::events {

struct ConnectionAccept {
  std::string remote_addr;
  std::string protocol;  // "rtmp" or "rtmps": which listener took the connection
};
struct HandshakeComplete {};
struct StreamCreate {};
struct StreamDelete {};
// Why a publish, a play or a connection ended (`reason` in their stop events).
enum class StopReason {
  kClient,       // the client ended it with a command (FCUnpublish, deleteStream, closeStream)
  kDisconnect,   // the peer closed or reset the connection
  kIdleTimeout,  // nothing received (or, for a player, nothing read) in time
  kAuth,         // refused by auth
  kKicked,       // dropped by the server (a player too slow to keep up)
  kShutdown,     // the server is shutting down
  kError,        // malformed input, an I/O error, or an end nobody asked for
};
// "client", "disconnect", "idle_timeout", "auth", "kicked", "shutdown", "error".
const char* stop_reason_name(StopReason reason);

struct PublishStart {
  std::string remote_addr;
  std::string query;  // the stream name's query without its token parameter
};
struct PublishStop {
  uint64_t audio_packets = 0;
  uint64_t video_packets = 0;
  uint64_t total_bytes = 0;
  std::string audio_codec;
  std::string video_codec;
  double duration_sec = 0;
  std::string reason;  // stop_reason_name()
};
struct PlayStart {
  std::string remote_addr;
  std::string query;
};
struct PlayStop {
  double duration_sec = 0;
  std::string reason;
};
struct CodecDetected {
  std::string media;  // "audio" / "video"
  std::string codec;  // H264, H265, AV1, VP9, VP8, AAC, MP3, Opus, FLAC, AC3, EAC3, Speex
  std::optional<uint32_t> width, height;
  std::optional<double> fps;
  std::optional<std::string> profile, level;
  std::optional<uint32_t> sample_rate, channels;
};
struct SubscriberCount {
  uint32_t count = 0;
};
struct AuthFailed {
  std::string action;  // "publish" / "play"
  std::string error;
  std::string remote_addr;
};
struct ConnectionClose {
  std::string role;  // "publisher" / "subscriber" / "none"
  double duration_sec = 0;
  std::string reason;
};
struct RecordingStart {
  std::string path;    // the first file, under its final name
  std::string format;  // "flv" / "mp4"
  std::string codec;   // the video codec, or the audio codec when there is no video
  bool segmented = false;
  uint64_t segment_duration_ms = 0;  // 0 = one file per publish
};
struct SegmentComplete {
  std::string path;  // final name, complete on disk
  uint64_t size = 0;
  uint32_t segment_index = 0;
  uint64_t duration_ms = 0;
  std::string codec;
  std::string format;
};
struct RecordingStop {
  std::string path;  // the last file
  uint32_t segments = 0;
  uint64_t bytes = 0;
  double duration_sec = 0;
  std::string error;  // "" unless the recording ended on an error
};
// Periodic figures of one live stream (-stats-interval).
struct StreamStats {
  double bitrate_kbps = 0;
  double fps = 0;
  uint32_t players = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t dropped = 0;
};

// A relay target (its URL without the query string) took the stream.
struct RelayStart {
  std::string target;
};
// The target's connection of that relay_start ended.
struct RelayStop {
  std::string target;
  uint64_t bytes = 0;  // written to the target on that connection
  double duration_sec = 0;
  std::string reason;  // "source", "shutdown", "disconnect", "timeout", "error"
};
// An attempt to reach a target failed (or its connection broke); the relay
// tries again `retry_in_sec` later while the source publishes.
struct RelayError {
  std::string target;
  std::string error;
  uint32_t attempt = 0;  // failed attempts in a row, from 1
  double retry_in_sec = 0;
};

using EventData = std::variant<ConnectionAccept, HandshakeComplete, StreamCreate, StreamDelete,
                               PublishStart, PublishStop, PlayStart, PlayStop, CodecDetected,
                               SubscriberCount, AuthFailed, ConnectionClose, RecordingStart,
                               SegmentComplete, RecordingStop, RelayStart, RelayStop, RelayError,
                               StreamStats>;

struct Event {
  std::string conn_id;
  std::string stream_key;  // "" where none is known
  EventData data;
  int64_t emitted_unix_ns = 0;  // set by the sink when zero
};

// The name of an event ("publish_stop"), from its data alternative.
const char* event_name(const EventData& data);

// Where sessions hand events. emit() never blocks on I/O and never throws;
// implementations are safe to call from any thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(Event event) noexcept = 0;
};

}  // namespace rtmp::events
