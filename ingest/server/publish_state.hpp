#pragma once
// A publishing session's role and what it learns of its stream: it counts
// into the role's stats (publish_stop reads them when the role ends, by any
// path), reports each track's codec once (codec_detected), and classifies
// each message (keyframe, sequence header, metadata) for the registry's GOP
// cache.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/events/event.hpp"
#include "ingest/protocol/message.hpp"
#include "ingest/record/recorder.hpp"
#include "ingest/registry/directory.hpp"
#include "ingest/registry/media_message.hpp"
#include "ingest/registry/publisher_role.hpp"
#include "ingest/registry/stream_registry.hpp"
#include "ingest/relay/relay.hpp"
#include "ingest/relay/relay_options.hpp"

namespace rtmp::server {

namespace net = boost::asio;

class PublishState {
 public:
  PublishState(registry::PublisherRole role, uint32_t stream_id, std::string name);

  // Counts and classifies `m`; appends codec_detected data for a track seen
  // for the first time; returns the shared message to fan out (nullptr for a
  // message players need not get).
  registry::MediaPtr ingest(protocol::Message&& m, uint32_t chunk_size,
                            std::vector<events::CodecDetected>& detected);

  // One message of the publish, whatever protocol brought it: ingest(), then
  // fan-out to the players and the recording. Codecs seen for the first time
  // are counted and appended to `detected` for the caller to emit.
  void deliver(protocol::Message&& m, uint32_t chunk_size,
               std::vector<events::CodecDetected>& detected);

  registry::PublisherRole& role() { return role_; }
  uint32_t stream_id() const { return stream_id_; }
  const std::string& name() const { return name_; }

  // Starts the publish's recording when `recorder` (may be null) records
  // `key`; it ends when the publish does (this state is dropped). Returns
  // its tail, which the connection's close event waits on; null when not
  // recorded.
  std::shared_ptr<record::RecordingTail> start_recording(record::Recorder* recorder,
                                                         const std::string& conn_id,
                                                         const std::string& key);
  record::RecordingHandle* recording() const { return recording_.get(); }

  // The relays of this publish (-relay-to). They end before the publish
  // role does (end_relays, or destruction: they are declared after it), so
  // their events fall between publish_start and publish_stop.
  void set_relays(std::vector<relay::Relay> relays) { relays_ = std::move(relays); }
  // `kShutdown` when the server stops; any other end of the publish is the
  // relays' source ending.
  void end_relays(events::StopReason publish_reason);

  // What starting the relays and listing the publish need to know of it.
  struct Announce {
    registry::StreamRegistry& registry;
    net::io_context::executor_type executor;     // where the relays run
    const relay::RelayOptions* relay = nullptr;  // null or empty: no -relay-to
    uint32_t chunk_size = 0;
    std::string conn_id, key, remote_addr;  // key: app/name as published
    std::shared_ptr<registry::ConnCounters> conn;
  };
  // Starts this publish's relays and lists it in the registry's directory
  // with their status and its recording, for the API: the same for every
  // protocol a publish arrives by. Call after start_recording.
  void announce(const Announce& a);
  // Frame counts and codecs for readers off the media path (see
  // registry/directory.hpp), and this publish's entry there.
  const std::shared_ptr<registry::PublishCounters>& counters() const { return counters_; }
  void set_listing(registry::Directory::Listing listing) { listing_ = std::move(listing); }

 private:
  void detect_video(std::span<const uint8_t> payload, bool sequence_header,
                    std::vector<events::CodecDetected>& detected);
  void detect_audio(std::span<const uint8_t> payload, bool sequence_header,
                    std::vector<events::CodecDetected>& detected);
  void read_metadata(std::span<const uint8_t> payload);

  registry::PublisherRole role_;
  uint32_t stream_id_;
  std::string name_;
  bool audio_reported_ = false, video_reported_ = false;
  std::optional<double> fps_hint_;
  std::unique_ptr<record::RecordingHandle> recording_;
  std::vector<relay::Relay> relays_;
  std::shared_ptr<registry::PublishCounters> counters_ =
      std::make_shared<registry::PublishCounters>();
  registry::Directory::Listing listing_;
};

}  // namespace rtmp::server
