#pragma once
// Where TsToRtmp's track converters put their output: RTMP messages, the
// counters, and the reason of the last drop.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ingest/media/ts_to_rtmp.hpp"
#include "ingest/protocol/message.hpp"

namespace rtmp::media {

struct TsSink {
  std::vector<protocol::Message>& out;
  TsToRtmpStats& stats;
  std::string& last_drop;

  void emit(protocol::MessageType type, uint32_t timestamp_ms, std::vector<uint8_t> payload) {
    protocol::Message m;
    const bool video = type == protocol::MessageType::kVideo;
    m.header.csid = video ? protocol::kCsidVideo : protocol::kCsidAudio;
    m.header.timestamp = timestamp_ms;
    m.header.length = static_cast<uint32_t>(payload.size());
    m.header.type_id = static_cast<uint8_t>(type);
    m.header.stream_id = 1;
    m.payload = std::move(payload);
    out.push_back(std::move(m));
  }
  void drop_video(const char* reason) {
    ++stats.video_dropped;
    last_drop = reason;
  }
  void drop_audio(const char* reason) {
    ++stats.audio_dropped;
    last_drop = reason;
  }
};

}  // namespace rtmp::media
