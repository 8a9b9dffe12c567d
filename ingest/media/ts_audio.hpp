#pragma once
// TsToRtmp's audio track: ADTS AAC → FLV AAC messages, Opus → Enhanced RTMP
// 'Opus' messages (see ts_to_rtmp.hpp for the contract).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ingest/media/ts_clock.hpp"
#include "ingest/media/ts_sink.hpp"

namespace rtmp::media {

class TsAudio {
 public:
  void push(const EsPacket& packet, TsClock& clock, TsSink& sink);

 private:
  void reset(EsCodec codec);
  // Starts counting samples from a packet's pts (or carries on without one).
  bool anchor(int64_t pts, TsClock& clock);
  // The timestamp of the next frame, then `samples` later for the one after.
  uint32_t advance(uint32_t samples, uint32_t rate);
  void push_aac(std::span<const uint8_t> data, TsSink& sink);
  void push_opus(const EsPacket& packet, TsSink& sink);
  void emit_opus(std::span<const uint8_t> opus, TsSink& sink);

  std::optional<EsCodec> codec_;
  bool anchored_ = false;
  int64_t anchor_ticks_ = 0;     // clock ticks of the last pts seen
  uint64_t anchor_samples_ = 0;  // samples since then
  uint32_t anchor_rate_ = 0;     // the rate they are counted in
  std::optional<std::array<uint8_t, 2>> sent_asc_;
  std::vector<uint8_t> sent_opus_head_;
  std::vector<uint8_t> pending_opus_head_;  // to send before the next packet
  MonotoneMs ms_;
};

}  // namespace rtmp::media
