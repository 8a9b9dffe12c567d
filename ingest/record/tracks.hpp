#pragma once
// What a recording knows of the stream it writes: its metadata and codec
// configurations (sequence headers), read with ingest/media's tag parsers,
// and the container that carries those codecs.
#include <cstdint>
#include <string>

#include "ingest/media/flv_video.hpp"
#include "ingest/registry/media_message.hpp"

namespace rtmp::record {

struct Tracks {
  registry::MediaPtr metadata;      // the publisher's onMetaData
  registry::MediaPtr video_config;  // sequence headers
  registry::MediaPtr audio_config;
  registry::MediaPtr first_audio;  // for codecs described by their frames (MP3, AC-3)
  std::string video_codec, audio_codec;
  bool enhanced = false;         // a track came as Enhanced RTMP (FourCC) tags
  bool video_announced = false;  // onMetaData names a video codec: wait for its keyframe
  bool audio_announced = false;  // onMetaData names an audio codec

  bool has_video() const { return !video_codec.empty(); }
  bool has_audio() const { return !audio_codec.empty(); }
  // The video codec, or the audio codec when there is no video.
  const std::string& codec() const { return has_video() ? video_codec : audio_codec; }

  // Notes what `m` says of the stream (codec, configuration, metadata).
  void observe(const registry::MediaPtr& m);
};

// "flv" or "mp4": `requested` unless it is "auto"; auto takes MP4 for what
// legacy FLV cannot carry (HEVC, AV1, VP9, Opus, FLAC, AC-3, E-AC-3, or any
// Enhanced RTMP track), FLV otherwise.
std::string choose_format(const std::string& requested, const Tracks& tracks);

// The composition time offset (pts - dts, ms) of an AVC/HEVC coded frame;
// 0 for other packets.
int32_t composition_time(const media::VideoPacket& packet);

}  // namespace rtmp::record
