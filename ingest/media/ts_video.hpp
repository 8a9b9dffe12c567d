#pragma once
// TsToRtmp's video track: H.264 / H.265 access units in Annex-B → FLV AVC
// and Enhanced RTMP 'hvc1' messages (see ts_to_rtmp.hpp for the contract).
#include <cstdint>
#include <optional>
#include <vector>

#include "ingest/media/avc_config_builder.hpp"
#include "ingest/media/ts_clock.hpp"
#include "ingest/media/ts_sink.hpp"

namespace rtmp::media {

class TsVideo {
 public:
  void push(const EsPacket& packet, TsClock& clock, TsSink& sink);

 private:
  using Sets = std::vector<std::vector<uint8_t>>;
  struct AccessUnit {
    NalList frame;  // what the frame message carries
    NalList vps, sps, pps, sps_ext;
    bool idr = false;
  };

  void reset(EsCodec codec);
  AccessUnit classify(const NalList& nals) const;
  // Takes the access unit's parameter sets when they make a valid record.
  bool update_config(const AccessUnit& au);
  std::vector<uint8_t> frame_body(const AccessUnit& au, bool keyframe, int32_t cts) const;
  std::vector<uint8_t> config_body() const;

  std::optional<EsCodec> codec_;
  Sets vps_, sps_, pps_, sps_ext_;
  std::vector<uint8_t> config_;       // current decoder configuration record
  std::vector<uint8_t> sent_config_;  // the one last sent as a sequence header
  bool started_ = false;              // a keyframe went out after a config
  MonotoneMs ms_;
};

}  // namespace rtmp::media
