#include "ingest/srt/ts_demuxer.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <optional>

#include "ingest/libav/av_log.hpp"

namespace rtmp::srt {
namespace {

// Big enough for many TS packets per read, small enough to keep latency low
// (the source returns what one SRT message holds).
constexpr int kIoBufferSize = 16 * 1024;

std::string av_error(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// The codecs RTMP players get from an SRT publish; other streams are skipped.
std::optional<media::EsCodec> es_codec(AVCodecID id) {
  switch (id) {
    case AV_CODEC_ID_H264:
      return media::EsCodec::kH264;
    case AV_CODEC_ID_HEVC:
      return media::EsCodec::kH265;
    case AV_CODEC_ID_AAC:
      return media::EsCodec::kAac;
    case AV_CODEC_ID_OPUS:
      return media::EsCodec::kOpus;
    default:
      return std::nullopt;
  }
}

}  // namespace

TsDemuxer::TsDemuxer(Source source) : source_(std::move(source)) {}

TsDemuxer::~TsDemuxer() {
  av_packet_free(&packet_);
  if (fmt_) avformat_close_input(&fmt_);
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int TsDemuxer::read(void* opaque, uint8_t* buf, int size) {
  auto* self = static_cast<TsDemuxer*>(opaque);
  if (self->not_ts_seen()) return AVERROR_INVALIDDATA;  // read no more of it
  const int n = self->source_(buf, size);
  if (n <= 0) return AVERROR_EOF;
  if (self->sync_.feed({buf, static_cast<size_t>(n)}) == media::TsSync::State::kNotTs)
    return AVERROR_INVALIDDATA;
  return n;
}

std::string TsDemuxer::not_ts() const {
  return "not MPEG-TS: no sync bytes in step in the first " +
         std::to_string(kMaxUnsyncedBytes / 1024) + " KiB";
}

bool TsDemuxer::open(std::string& error) {
  libav::route_av_log();
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  io_ = avio_alloc_context(buffer, kIoBufferSize, 0, this, &TsDemuxer::read, nullptr, nullptr);
  fmt_ = avformat_alloc_context();
  packet_ = av_packet_alloc();
  if (!buffer || !io_ || !fmt_ || !packet_) {
    if (!io_) av_free(buffer);
    error = "out of memory";
    return false;
  }
  fmt_->pb = io_;
  fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  // Codec parameters come from the PMT; a short analysis finds the rest
  // (its packets are not lost: av_read_frame returns them first).
  fmt_->max_analyze_duration = 1 * AV_TIME_BASE;
  const AVInputFormat* ts = av_find_input_format("mpegts");
  if (int err = avformat_open_input(&fmt_, nullptr, ts, nullptr); err < 0) {
    // avformat_open_input frees the context on failure (not our AVIO).
    fmt_ = nullptr;
    error = not_ts_seen() ? not_ts() : "not MPEG-TS: " + av_error(err);
    return false;
  }
  if (int err = avformat_find_stream_info(fmt_, nullptr); err < 0 || not_ts_seen()) {
    error = not_ts_seen() ? not_ts() : "MPEG-TS without usable streams: " + av_error(err);
    return false;
  }
  // Audio and video the players will not get. With none they would get, the
  // publish ends here rather than stay live with nothing to play. (No streams
  // yet, with a program table still to come, is not judged.)
  bool carried = false;
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    const AVCodecParameters* par = fmt_->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_VIDEO && par->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    if (es_codec(par->codec_id)) {
      carried = true;
    } else {
      skipped_ += (skipped_.empty() ? "" : ", ") + std::string(avcodec_get_name(par->codec_id));
    }
  }
  if (!carried && !skipped_.empty()) {
    error = "no stream that RTMP players can take (H.264, H.265, AAC, Opus); found " + skipped_;
    return false;
  }
  return true;
}

bool TsDemuxer::next(media::EsPacket& out, std::string& error) {
  for (;;) {
    av_packet_unref(packet_);
    const int err = av_read_frame(fmt_, packet_);
    if (err < 0 && not_ts_seen()) {
      error = not_ts();
      return false;
    }
    if (err == AVERROR_EOF || err == AVERROR_EXIT) return false;
    if (err < 0) {
      error = "MPEG-TS: " + av_error(err);
      return false;
    }
    const AVStream* st = fmt_->streams[packet_->stream_index];
    const auto codec = es_codec(st->codecpar->codec_id);
    if (!codec) continue;  // a stream RTMP players could not take: skipped
    out.codec = *codec;
    out.pts = packet_->pts == AV_NOPTS_VALUE ? media::kNoTimestamp : packet_->pts;
    out.dts = packet_->dts == AV_NOPTS_VALUE ? media::kNoTimestamp : packet_->dts;
    out.keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    out.data = {packet_->data, static_cast<size_t>(packet_->size)};
    out.extradata = {st->codecpar->extradata, static_cast<size_t>(st->codecpar->extradata_size)};
    return true;
  }
}

}  // namespace rtmp::srt
