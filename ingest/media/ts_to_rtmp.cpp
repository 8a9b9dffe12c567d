#include "ingest/media/ts_to_rtmp.hpp"

#include "ingest/media/ts_audio.hpp"
#include "ingest/media/ts_sink.hpp"
#include "ingest/media/ts_video.hpp"

namespace rtmp::media {

TsToRtmp::TsToRtmp() : video_(std::make_unique<TsVideo>()), audio_(std::make_unique<TsAudio>()) {}
TsToRtmp::~TsToRtmp() = default;
TsToRtmp::TsToRtmp(TsToRtmp&&) noexcept = default;
TsToRtmp& TsToRtmp::operator=(TsToRtmp&&) noexcept = default;

void TsToRtmp::push(const EsPacket& packet, std::vector<protocol::Message>& out) {
  ++packets_;
  TsSink sink{out, stats_, last_drop_};
  switch (packet.codec) {
    case EsCodec::kH264:
    case EsCodec::kH265:
      video_->push(packet, clock_, sink);
      break;
    case EsCodec::kAac:
    case EsCodec::kOpus:
      audio_->push(packet, clock_, sink);
      break;
  }
}

std::string TsToRtmp::error() const {
  if (packets_ == 0 || stats_.video_frames + stats_.audio_frames > 0) return {};
  if (!last_drop_.empty()) return last_drop_;
  return "no usable audio or video in " + std::to_string(packets_) + " packets";
}

}  // namespace rtmp::media
