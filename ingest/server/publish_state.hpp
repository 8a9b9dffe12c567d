#pragma once
// What a publishing session knows of its stream: counts for publish_stop,
// the codecs it has seen (codec_detected fires once per track), and the
// classification of each message (keyframe, sequence header, metadata) that
// the registry's GOP cache relies on.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/events/event.hpp"
#include "ingest/protocol/message.hpp"
#include "ingest/record/recorder.hpp"
#include "ingest/registry/media_message.hpp"
#include "ingest/registry/stream.hpp"

namespace rtmp::server {

class PublishState {
 public:
  PublishState(std::shared_ptr<registry::Stream> stream, uint32_t stream_id, std::string key,
               std::string name);

  // Counts and classifies `m`; appends codec_detected data for a track seen
  // for the first time; returns the shared message to fan out (nullptr for a
  // message players need not get).
  registry::MediaPtr ingest(protocol::Message&& m, uint32_t chunk_size,
                            std::vector<events::CodecDetected>& detected);

  events::PublishStop stop_info() const;

  const std::shared_ptr<registry::Stream>& stream() const { return stream_; }
  uint32_t stream_id() const { return stream_id_; }
  const std::string& key() const { return key_; }
  const std::string& name() const { return name_; }

  // The recording of this publish, if its key is recorded; it ends when the
  // publish does (this state is dropped).
  void set_recording(std::unique_ptr<record::RecordingHandle> r) { recording_ = std::move(r); }
  record::RecordingHandle* recording() const { return recording_.get(); }

 private:
  void detect_video(std::span<const uint8_t> payload, bool sequence_header,
                    std::vector<events::CodecDetected>& detected);
  void detect_audio(std::span<const uint8_t> payload, bool sequence_header,
                    std::vector<events::CodecDetected>& detected);
  void read_metadata(std::span<const uint8_t> payload);

  std::shared_ptr<registry::Stream> stream_;
  uint32_t stream_id_;
  std::string key_, name_;
  std::chrono::steady_clock::time_point started_;

  uint64_t audio_packets_ = 0, video_packets_ = 0, total_bytes_ = 0;
  std::string audio_codec_, video_codec_;
  bool audio_reported_ = false, video_reported_ = false;
  std::optional<double> fps_hint_;
  std::unique_ptr<record::RecordingHandle> recording_;
};

}  // namespace rtmp::server
