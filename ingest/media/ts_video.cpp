#include "ingest/media/ts_video.hpp"

#include <algorithm>

#include "ingest/media/annexb.hpp"
#include "ingest/media/hevc_config_builder.hpp"

namespace rtmp::media {
namespace {

using protocol::MessageType;

// H.264 nal_unit_type (7.4.1).
constexpr uint8_t kAvcIdr = 5;
constexpr uint8_t kAvcSps = 7;
constexpr uint8_t kAvcPps = 8;
constexpr uint8_t kAvcAud = 9;
constexpr uint8_t kAvcSpsExt = 13;
// H.265 nal_unit_type (7.4.2.2): IRAP pictures are 16..23.
constexpr uint8_t kHevcIrapFirst = 16;
constexpr uint8_t kHevcIrapLast = 23;
constexpr uint8_t kHevcVps = 32;
constexpr uint8_t kHevcSps = 33;
constexpr uint8_t kHevcPps = 34;
constexpr uint8_t kHevcAud = 35;

// FLV video tag header values.
constexpr uint8_t kFrameKey = 1;
constexpr uint8_t kFrameInter = 2;
constexpr uint8_t kCodecAvc = 7;
constexpr uint8_t kAvcPacketSequenceHeader = 0;
constexpr uint8_t kAvcPacketNalu = 1;
constexpr uint8_t kExHeader = 0x80;
constexpr uint8_t kExSequenceStart = 0;
constexpr uint8_t kExCodedFrames = 1;
constexpr uint8_t kExCodedFramesX = 3;
constexpr int32_t kCtsMax = (1 << 23) - 1;

NalList as_list(const std::vector<std::vector<uint8_t>>& sets) {
  NalList out;
  for (const auto& s : sets) out.emplace_back(s);
  return out;
}

std::vector<std::vector<uint8_t>> as_sets(const NalList& nals) {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& n : nals) out.emplace_back(n.begin(), n.end());
  return out;
}

void append_fourcc_hvc1(std::vector<uint8_t>& out) {
  out.insert(out.end(), {'h', 'v', 'c', '1'});
}

void append_si24(std::vector<uint8_t>& out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  out.push_back(static_cast<uint8_t>(u >> 16));
  out.push_back(static_cast<uint8_t>(u >> 8));
  out.push_back(static_cast<uint8_t>(u));
}

}  // namespace

void TsVideo::reset(EsCodec codec) {
  const MonotoneMs ms = ms_;  // players still need non-decreasing timestamps
  *this = TsVideo{};
  codec_ = codec;
  ms_ = ms;
}

TsVideo::AccessUnit TsVideo::classify(const NalList& nals) const {
  AccessUnit au;
  const bool hevc = codec_ == EsCodec::kH265;
  for (const auto& nal : nals) {
    if (nal[0] & 0x80) continue;  // forbidden_zero_bit: not a NAL unit
    if (hevc) {
      if (nal.size() < 2) continue;
      const uint8_t type = (nal[0] >> 1) & 0x3f;
      if (type == kHevcVps) {
        au.vps.push_back(nal);
      } else if (type == kHevcSps) {
        au.sps.push_back(nal);
      } else if (type == kHevcPps) {
        au.pps.push_back(nal);
      } else if (type != kHevcAud) {
        au.idr = au.idr || (type >= kHevcIrapFirst && type <= kHevcIrapLast);
        au.frame.push_back(nal);
      }
    } else {
      const uint8_t type = nal[0] & 0x1f;
      if (type == kAvcSps) {
        au.sps.push_back(nal);
      } else if (type == kAvcPps) {
        au.pps.push_back(nal);
      } else if (type == kAvcSpsExt) {
        au.sps_ext.push_back(nal);
      } else if (type != kAvcAud) {
        au.idr = au.idr || type == kAvcIdr;
        au.frame.push_back(nal);
      }
    }
  }
  return au;
}

bool TsVideo::update_config(const AccessUnit& au) {
  // Sets an access unit carries replace the stored ones of their kind; the
  // others stay (an encoder may repeat only its SPS).
  const NalList vps = au.vps.empty() ? as_list(vps_) : au.vps;
  const NalList sps = au.sps.empty() ? as_list(sps_) : au.sps;
  const NalList pps = au.pps.empty() ? as_list(pps_) : au.pps;
  const NalList sps_ext = au.sps_ext.empty() ? as_list(sps_ext_) : au.sps_ext;
  const auto record = codec_ == EsCodec::kH265 ? build_hevc_decoder_config(vps, sps, pps)
                                               : build_avc_decoder_config(sps, pps, sps_ext);
  if (!record) return false;
  vps_ = as_sets(vps);
  sps_ = as_sets(sps);
  pps_ = as_sets(pps);
  sps_ext_ = as_sets(sps_ext);
  config_ = *record;
  return true;
}

std::vector<uint8_t> TsVideo::config_body() const {
  std::vector<uint8_t> body;
  body.reserve(config_.size() + 8);
  if (codec_ == EsCodec::kH265) {
    body.push_back(kExHeader | (kFrameKey << 4) | kExSequenceStart);
    append_fourcc_hvc1(body);
  } else {
    // One byte at a time: GCC 12 at -O3 misreads an initializer-list insert
    // into a reserved vector as an overflow (-Wstringop-overflow).
    body.push_back((kFrameKey << 4) | kCodecAvc);
    body.push_back(kAvcPacketSequenceHeader);
    body.resize(body.size() + 3, 0);  // composition time 0
  }
  body.insert(body.end(), config_.begin(), config_.end());
  return body;
}

std::vector<uint8_t> TsVideo::frame_body(const AccessUnit& au, bool keyframe, int32_t cts) const {
  size_t size = 8;
  for (const auto& nal : au.frame) size += 4 + nal.size();
  std::vector<uint8_t> body;
  body.reserve(size);
  const uint8_t frame_type = keyframe ? kFrameKey : kFrameInter;
  if (codec_ == EsCodec::kH265) {
    const uint8_t packet_type = cts != 0 ? kExCodedFrames : kExCodedFramesX;
    body.push_back(static_cast<uint8_t>(kExHeader | (frame_type << 4) | packet_type));
    append_fourcc_hvc1(body);
    if (cts != 0) append_si24(body, cts);
  } else {
    body.push_back(static_cast<uint8_t>((frame_type << 4) | kCodecAvc));
    body.push_back(kAvcPacketNalu);
    append_si24(body, cts);
  }
  for (const auto& nal : au.frame) append_length_prefixed(body, nal);
  return body;
}

void TsVideo::push(const EsPacket& packet, TsClock& clock, TsSink& sink) {
  if (codec_ != packet.codec) reset(packet.codec);
  const int64_t dts = packet.dts != kNoTimestamp ? packet.dts : packet.pts;
  // Every timestamp moves the shared clock, even of a packet dropped below,
  // so the unwrapping stays close to the stream.
  int64_t dts_ticks = 0;
  const bool timed = dts != kNoTimestamp;
  if (timed) dts_ticks = clock.ticks(dts);

  const NalList nals = split_annexb(packet.data);
  if (nals.empty()) return sink.drop_video("video packet without an Annex-B start code");
  const AccessUnit au = classify(nals);
  const bool keyframe = packet.keyframe || au.idr;
  const bool has_sets = !au.vps.empty() || !au.sps.empty() || !au.pps.empty();
  if (has_sets && !update_config(au) && config_.empty()) {
    return sink.drop_video(codec_ == EsCodec::kH265 ? "H.265 parameter sets unusable"
                                                    : "H.264 SPS/PPS unusable");
  }
  if (!started_) {
    if (!keyframe || config_.empty()) {
      ++sink.stats.video_waiting;
      if (config_.empty()) {
        sink.last_drop =
            codec_ == EsCodec::kH265 ? "no H.265 VPS/SPS/PPS yet" : "no H.264 SPS/PPS yet";
      }
      return;
    }
    started_ = true;
  }

  const uint32_t ms =
      timed ? ms_.next(TsClock::to_ms(dts_ticks)) : static_cast<uint32_t>(ms_.last());
  if (config_ != sent_config_) {
    sink.emit(MessageType::kVideo, ms, config_body());
    sent_config_ = config_;
    ++sink.stats.sequence_headers;
  }
  if (au.frame.empty()) return;  // parameter sets only: nothing to show
  int32_t cts = 0;
  if (timed && packet.pts != kNoTimestamp) {
    const int64_t pts_ms = TsClock::to_ms(dts_ticks + TsClock::difference(packet.pts, dts));
    cts = static_cast<int32_t>(std::clamp<int64_t>(pts_ms - ms, -kCtsMax, kCtsMax));
  }
  sink.emit(MessageType::kVideo, ms, frame_body(au, keyframe, cts));
  ++sink.stats.video_frames;
}

}  // namespace rtmp::media
