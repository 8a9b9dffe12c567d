#pragma once
// Elementary-stream packets demuxed from MPEG-TS (SRT ingest) → the RTMP
// audio/video messages an RTMP publisher (OBS, ffmpeg) sends for the same
// media, so the publish goes down the RTMP publisher path unchanged: codec
// detection, packet counts, GOP cache, players, recorders, relays. No I/O.
//
// Input, per packet, exactly as libavformat's mpegts demuxer returns it from
// av_read_frame (time base 1/90000):
//   H.264 / H.265  one access unit, Annex-B with start codes (parameter sets
//                  and AUDs in-band); keyframe = AV_PKT_FLAG_KEY
//   AAC            one or more ADTS frames (what a PES holds, or one frame
//                  when the parser split them); pts of the first frame
//   Opus           raw Opus packets, or TS Opus access units with their
//                  control headers (both are accepted); extradata = the
//                  stream's extradata (libavformat's OpusHead), may be empty
//   pts/dts        AV_NOPTS_VALUE (kNoTimestamp) when absent; wrapped at 2^33
//                  or already unwrapped past it by libavformat: both work
//
// Output, appended to `out` (a packet yields 0..n messages, sequence headers
// first): protocol::Message with header.type_id kAudio/kVideo, csid
// kCsidAudio/kCsidVideo, stream_id 1, timestamp in ms (video: dts, audio:
// pts, both relative to the first timestamp of the publish), length set; the
// payload is the FLV tag body, built once and meant to be moved on
// (PublishState::ingest moves it into the shared MediaMessage: no copy).
//   H.264  legacy FLV AVC: sequence header (AVCDecoderConfigurationRecord
//          from in-band SPS/PPS) before the first frame and whenever they
//          change; frames with 4-byte NAL lengths, composition time
//          pts - dts, AUD/SPS/PPS removed (ffmpeg's FLV muxer output).
//   H.265  Enhanced RTMP 'hvc1': SequenceStart (HEVCDecoderConfigurationRecord
//          from VPS/SPS/PPS), CodedFrames (CodedFramesX when pts == dts).
//   AAC    legacy FLV AAC: AudioSpecificConfig from the ADTS header, then one
//          message per raw frame, each at its own time (1024 samples apart
//          from the PES pts), a new config when the ADTS header changes.
//   Opus   Enhanced RTMP 'Opus': SequenceStart (OpusHead), one message per
//          Opus packet.
// Video is held back until a keyframe arrives with its parameter sets.
// Malformed input (no start codes, unusable parameter sets, junk or
// truncated ADTS, bad Opus framing) drops what it spoils and is counted; it
// never throws. Not converted (dropped, counted, with a reason): ADTS with
// channel configuration 0 (the layout is in a PCE RTMP has no place for) and
// ADTS frames of several CRC-protected raw blocks; several raw blocks without
// CRCs go out as one message. One converter per publish; not thread-safe (one
// strand).
//
// The bridge, per av_read_frame packet (AVStream* st; codec from
// st->codecpar->codec_id), on the publishing connection's strand:
//   out.clear();
//   converter.push({.codec = codec, .pts = pkt->pts, .dts = pkt->dts,
//                   .keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0,
//                   .data = {pkt->data, size_t(pkt->size)},
//                   .extradata = {st->codecpar->extradata,
//                                 size_t(st->codecpar->extradata_size)}}, out);
//   for (auto& m : out) /* as Session::on_media: */ publish.ingest(std::move(m), ...);
// and, when the connection ends with nothing published, converter.error()
// for its log line.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ingest/media/ts_clock.hpp"
#include "ingest/protocol/message.hpp"

namespace rtmp::media {

enum class EsCodec : uint8_t { kH264, kH265, kAac, kOpus };

struct EsPacket {
  EsCodec codec = EsCodec::kH264;
  int64_t pts = kNoTimestamp;  // 90 kHz
  int64_t dts = kNoTimestamp;  // 90 kHz
  bool keyframe = false;
  std::span<const uint8_t> data;       // the packet's bytes; only read during push()
  std::span<const uint8_t> extradata;  // codec extradata (Opus); may be empty
};

struct TsToRtmpStats {
  uint64_t video_frames = 0;  // coded frames emitted
  uint64_t audio_frames = 0;
  uint64_t sequence_headers = 0;  // audio and video configs emitted
  uint64_t video_dropped = 0;     // malformed or unconvertible video packets
  uint64_t audio_dropped = 0;     // malformed audio frames (or packets)
  uint64_t video_waiting = 0;     // video before the first keyframe with parameter sets
};

class TsVideo;
class TsAudio;

class TsToRtmp {
 public:
  TsToRtmp();
  ~TsToRtmp();
  TsToRtmp(TsToRtmp&&) noexcept;
  TsToRtmp& operator=(TsToRtmp&&) noexcept;

  void push(const EsPacket& packet, std::vector<protocol::Message>& out);

  const TsToRtmpStats& stats() const { return stats_; }
  // Why the last dropped packet or frame was dropped ("" if none was).
  const std::string& last_drop_reason() const { return last_drop_; }
  // Non-empty once packets came in but none could be converted: the reason,
  // for the one log line that closes such a publish. Empty while anything
  // usable came out (or nothing came in).
  std::string error() const;

 private:
  TsClock clock_;
  std::unique_ptr<TsVideo> video_;
  std::unique_ptr<TsAudio> audio_;
  TsToRtmpStats stats_;
  std::string last_drop_;
  uint64_t packets_ = 0;
};

}  // namespace rtmp::media
