#pragma once
// MPEG-TS from a byte source (an SRT socket) demuxed by libavformat's mpegts
// demuxer through a custom AVIOContext, packet by packet, as
// media::EsPacket (H.264, H.265, AAC, Opus; other streams are skipped).
// One thread; the source may block.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "ingest/media/ts_sync.hpp"
#include "ingest/media/ts_to_rtmp.hpp"

struct AVFormatContext;
struct AVIOContext;
struct AVPacket;

namespace rtmp::srt {

class TsDemuxer {
 public:
  // Fills up to `size` bytes; returns how many, 0 at the end of the stream.
  using Source = std::function<int(uint8_t* buf, int size)>;

  explicit TsDemuxer(Source source);
  ~TsDemuxer();
  TsDemuxer(const TsDemuxer&) = delete;
  TsDemuxer& operator=(const TsDemuxer&) = delete;

  // Reads until the programs are known. False (with `error`) when the source
  // ends first or what it gives is not MPEG-TS: not in step within its first
  // kMaxUnsyncedBytes (libavformat alone would search for sync bytes as long
  // as data comes, keeping a caller that sends something else connected).
  bool open(std::string& error);
  // The next packet of a supported codec; its spans stay valid until the
  // next call. False at the end of the stream (`error` empty) or on an
  // error.
  bool next(media::EsPacket& out, std::string& error);
  // After open(): the codecs of the audio and video streams that are skipped
  // ("mp2, ac3"), empty when every one is carried.
  const std::string& skipped() const { return skipped_; }

 private:
  static int read(void* opaque, uint8_t* buf, int size);
  bool not_ts_seen() const { return sync_.state() == media::TsSync::State::kNotTs; }
  std::string not_ts() const;

  static constexpr std::size_t kMaxUnsyncedBytes = 256 * 1024;

  Source source_;
  media::TsSync sync_{kMaxUnsyncedBytes};
  std::string skipped_;
  AVFormatContext* fmt_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVPacket* packet_ = nullptr;
};

}  // namespace rtmp::srt
