// MP4 recording through libavformat's mov muxer: fragmented (a moof per video
// keyframe, empty moov first), so a file cut short by a crash still plays up
// to its last complete fragment. Stream copy: the codec configuration records
// become extradata, frames become packets unchanged.
extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

#include <array>
#include <cstring>

#include "ingest/libav/av_log.hpp"
#include "ingest/media/codec_info.hpp"
#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/record/segment_file.hpp"

namespace rtmp::record {
namespace {

constexpr AVRational kMs{1, 1000};

std::string av_text(int err) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> buf{};
  av_strerror(err, buf.data(), buf.size());
  return buf.data();
}

AVCodecID video_codec_id(const std::string& codec) {
  if (codec == "H264") return AV_CODEC_ID_H264;
  if (codec == "H265") return AV_CODEC_ID_HEVC;
  if (codec == "AV1") return AV_CODEC_ID_AV1;
  if (codec == "VP9") return AV_CODEC_ID_VP9;
  return AV_CODEC_ID_NONE;
}

AVCodecID audio_codec_id(const std::string& codec) {
  if (codec == "AAC") return AV_CODEC_ID_AAC;
  if (codec == "MP3") return AV_CODEC_ID_MP3;
  if (codec == "Opus") return AV_CODEC_ID_OPUS;
  if (codec == "FLAC") return AV_CODEC_ID_FLAC;
  if (codec == "AC3") return AV_CODEC_ID_AC3;
  if (codec == "EAC3") return AV_CODEC_ID_EAC3;
  return AV_CODEC_ID_NONE;
}

bool set_extradata(AVCodecParameters* par, std::span<const uint8_t> data) {
  if (data.empty()) return true;
  par->extradata = static_cast<uint8_t*>(av_mallocz(data.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (par->extradata == nullptr) return false;
  std::memcpy(par->extradata, data.data(), data.size());
  par->extradata_size = static_cast<int>(data.size());
  return true;
}

class Mp4File final : public SegmentFile {
 public:
  explicit Mp4File(std::string path) : path_(std::move(path)) {}
  ~Mp4File() override {
    if (ctx_ != nullptr) {
      if (ctx_->pb != nullptr) avio_closep(&ctx_->pb);
      avformat_free_context(ctx_);
    }
    av_packet_free(&pkt_);
  }

  std::string open(const Tracks& t) {
    int err = avformat_alloc_output_context2(&ctx_, nullptr, "mp4", path_.c_str());
    if (err < 0) return fail("mp4 muxer", err);
    pkt_ = av_packet_alloc();
    if (pkt_ == nullptr) return "out of memory";
    if (t.has_video()) {
      if (auto e = add_video(t); !e.empty()) return e;
    }
    if (t.has_audio()) {
      if (auto e = add_audio(t); !e.empty()) return e;
    }
    if (video_ < 0 && audio_ < 0) return "no track MP4 can carry";
    err = avio_open(&ctx_->pb, path_.c_str(), AVIO_FLAG_WRITE);
    if (err < 0) return fail("open", err);
    AVDictionary* opts = nullptr;
    // delay_moov: the moov is written with the first fragment, once the
    // muxer has seen each track's first timestamps. With an empty moov up
    // front every track would start at 0: audio that began 46 ms after the
    // video, or video with a composition offset, would play out of sync by
    // that much. The mov muxer also reads AC-3 parameters from the first
    // packets this way.
    av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof+delay_moov", 0);
    // Without video there are no keyframes to cut fragments at.
    if (video_ < 0) av_dict_set(&opts, "frag_duration", "1000000", 0);
    err = avformat_write_header(ctx_, &opts);
    av_dict_free(&opts);
    if (err < 0) return fail("write", err);
    return flush();
  }

  std::string write(const registry::MediaMessage& m, uint32_t timestamp) override {
    int index = -1;
    int32_t cts = 0;
    bool key = false;
    std::span<const uint8_t> data;
    if (m.video && video_ >= 0) {
      const auto p = media::parse_video_packet(m.payload);
      if (!p.tag.valid || p.tag.sequence_header || p.tag.end_of_sequence || p.tag.command_frame)
        return {};
      if (!p.coded_frames()) return {};
      index = video_;
      cts = composition_time(p);
      key = p.tag.keyframe;
      data = p.body;
    } else if (m.audio && audio_ >= 0) {
      const auto p = media::parse_audio_packet(m.payload);
      if (!p.tag.valid || p.tag.sequence_header) return {};
      if (!p.coded_frames()) return {};
      index = audio_;
      key = true;
      data = p.body;
    }
    if (index < 0 || data.empty()) return {};
    // Timestamps must rise per track; RTMP's may repeat or step back a little.
    int64_t dts = timestamp;
    int64_t& last = last_dts_[index];
    if (last != AV_NOPTS_VALUE && dts <= last) dts = last + 1;
    last = dts;
    AVStream* st = ctx_->streams[index];
    av_packet_unref(pkt_);
    pkt_->data = const_cast<uint8_t*>(data.data());  // the muxer copies what it keeps
    pkt_->size = static_cast<int>(data.size());
    pkt_->stream_index = index;
    pkt_->dts = av_rescale_q(dts, kMs, st->time_base);
    pkt_->pts = av_rescale_q(std::max<int64_t>(dts + cts, dts), kMs, st->time_base);
    pkt_->flags = key ? AV_PKT_FLAG_KEY : 0;
    const int err = av_write_frame(ctx_, pkt_);
    pkt_->data = nullptr;
    pkt_->size = 0;
    if (err < 0) return fail("write", err);
    // A keyframe closed the previous fragment: put it on disk now. Without
    // video the muxer cuts a fragment a second (frag_duration): put those on
    // disk as they come.
    if (key && index == video_) return flush();
    if (video_ < 0 && clock_.due(timestamp)) {
      clock_.flushed(timestamp);
      return flush();
    }
    if (ctx_->pb->error < 0) return fail("write", ctx_->pb->error);
    return {};
  }

  std::string finish(uint32_t) override {
    int err = av_write_trailer(ctx_);
    if (err < 0) return fail("write", err);
    if (ctx_->pb->error < 0) return fail("write", ctx_->pb->error);
    err = avio_closep(&ctx_->pb);
    if (err < 0) return fail("close", err);
    return {};
  }

 private:
  std::string fail(const char* what, int err) const {
    return std::string(what) + " " + path_ + ": " + av_text(err);
  }

  std::string flush() {
    avio_flush(ctx_->pb);
    if (ctx_->pb->error < 0) return fail("write", ctx_->pb->error);
    return {};
  }

  std::string add_video(const Tracks& t) {
    const AVCodecID id = video_codec_id(t.video_codec);
    if (id == AV_CODEC_ID_NONE) return "MP4 cannot carry " + t.video_codec + " video";
    AVStream* st = avformat_new_stream(ctx_, nullptr);
    if (st == nullptr) return "out of memory";
    st->time_base = kMs;
    AVCodecParameters* par = st->codecpar;
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = id;
    if (id == AV_CODEC_ID_HEVC) par->codec_tag = MKTAG('h', 'v', 'c', '1');
    if (t.video_config) {
      const auto p = media::parse_video_packet(t.video_config->payload);
      if (!set_extradata(par, p.body)) return "out of memory";
      if (const auto d = media::describe_video(t.video_config->payload)) {
        par->width = static_cast<int>(d->width.value_or(0));
        par->height = static_cast<int>(d->height.value_or(0));
      }
    }
    video_ = st->index;
    return {};
  }

  std::string add_audio(const Tracks& t) {
    const AVCodecID id = audio_codec_id(t.audio_codec);
    if (id == AV_CODEC_ID_NONE) return "MP4 cannot carry " + t.audio_codec + " audio";
    AVStream* st = avformat_new_stream(ctx_, nullptr);
    if (st == nullptr) return "out of memory";
    st->time_base = kMs;
    AVCodecParameters* par = st->codecpar;
    par->codec_type = AVMEDIA_TYPE_AUDIO;
    par->codec_id = id;
    const registry::MediaPtr& described = t.audio_config ? t.audio_config : t.first_audio;
    uint32_t channels = 2;
    if (described) {
      const auto p = media::parse_audio_packet(described->payload);
      std::span<const uint8_t> extra = t.audio_config ? p.body : std::span<const uint8_t>{};
      // dfLa wants the bare STREAMINFO block: no "fLaC", no block header.
      if (id == AV_CODEC_ID_FLAC && extra.size() >= 4 && extra[0] == 'f' && extra[1] == 'L')
        extra = extra.subspan(4);
      if (id == AV_CODEC_ID_FLAC && extra.size() >= 38) extra = extra.subspan(4, 34);
      if (!set_extradata(par, extra)) return "out of memory";
      if (const auto d = media::describe_audio(described->payload)) {
        par->sample_rate = static_cast<int>(d->sample_rate.value_or(0));
        channels = d->channels.value_or(2);
      }
    }
    if (id == AV_CODEC_ID_OPUS) par->sample_rate = 48000;
    if (id == AV_CODEC_ID_AAC) par->frame_size = 1024;
    if (par->sample_rate == 0) par->sample_rate = 44100;
    av_channel_layout_default(&par->ch_layout, static_cast<int>(channels));
    audio_ = st->index;
    return {};
  }

  std::string path_;
  AVFormatContext* ctx_ = nullptr;
  AVPacket* pkt_ = nullptr;
  int video_ = -1, audio_ = -1;
  std::array<int64_t, 2> last_dts_{AV_NOPTS_VALUE, AV_NOPTS_VALUE};
  FlushClock clock_;
};

}  // namespace

std::unique_ptr<SegmentFile> open_mp4(const std::string& path, const Tracks& tracks,
                                      std::string& error) {
  libav::route_av_log();
  auto file = std::make_unique<Mp4File>(path);
  error = file->open(tracks);
  if (!error.empty()) return nullptr;
  return file;
}

}  // namespace rtmp::record
