#pragma once
// A player: plays the stream and records what arrives, when.
#include <optional>

#include "bench/rtmp_load/client_conn.hpp"

namespace rtmp::load {

struct PlayerStats {
  uint64_t video_frames = 0, audio_frames = 0, keyframes = 0;
  uint64_t stalls = 0;  // gaps > 1 s between video frames
  double max_gap_ms = 0;
  // Time to first frame: from ClientConn::start() (just before the TCP connect)
  // to the first video frame (not a sequence header) parsed whole from the
  // chunk stream. play_start_ms: the same start to NetStream.Play.Start, i.e.
  // the connection setup (TCP, handshake, connect, createStream, play) alone.
  std::optional<double> ttff_ms, play_start_ms;
  bool first_frame_key = false;
  bool play_started = false;  // NetStream.Play.Start seen
  bool stream_ready = false;  // connect and createStream answered
  // From the window start on (-window-after): video frames, and gaps > 1 s
  // ending in the window, plus one still open when the connection stops.
  uint64_t window_video_frames = 0, window_stalls = 0;
  double window_max_gap_ms = 0;
};

class LoadPlayer : public ClientConn {
 public:
  using ClientConn::ClientConn;
  // -idle: stop after connect / createStream and never play (idle connections).
  void set_idle(bool idle) { idle_ = idle; }
  // -rcvlowat: once playing, wake for reads only when this many bytes are
  // queued (fewer, larger reads; frame times get that much coarser).
  void set_rcvlowat(int bytes) { rcvlowat_ = bytes; }
  const PlayerStats& stats() const { return stats_; }

 private:
  void on_stream_ready() override;
  void on_status(const std::string& code) override;
  void on_media(const protocol::Message& m) override;
  void on_closed() override;
  void on_video_frame(bool keyframe);

  PlayerStats stats_;
  Clock::time_point last_video_{};
  bool idle_ = false;
  int rcvlowat_ = 0;
};

}  // namespace rtmp::load
