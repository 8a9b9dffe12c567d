#include "bench/rtmp_load/load_player.hpp"

#include "bench/rtmp_load/flv_file.hpp"

namespace rtmp::load {

using amf0::Value;

void LoadPlayer::on_stream_ready() {
  stats_.stream_ready = true;
  if (idle_) return;
  // SetBufferLength 3 s on our stream (as ffmpeg / librtmp send), then play live.
  protocol::Message m;
  m.header.csid = protocol::kCsidProtocolControl;
  m.header.type_id = static_cast<uint8_t>(protocol::MessageType::kUserControl);
  protocol::append_be(m.payload, 3, 2);
  protocol::append_be(m.payload, stream_id_, 4);
  protocol::append_be(m.payload, 3000, 4);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  send(m);
  send_command(8, stream_id_,
               {Value::String("play"), Value::Number(0), Value::Null(),
                Value::String(target_.stream), Value::Number(-1000)});
}

void LoadPlayer::on_status(const std::string& code) {
  if (code != "NetStream.Play.Start") return;
  if (!stats_.play_started)
    stats_.play_start_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started()).count();
  stats_.play_started = true;
  if (rcvlowat_ > 0) set_receive_low_watermark(rcvlowat_);
}

void LoadPlayer::on_media(const protocol::Message& m) {
  const uint8_t* p = m.payload.data();
  const size_t n = m.payload.size();
  if (m.type() == protocol::MessageType::kAudio) {
    if (classify_audio(p, n).frame) ++stats_.audio_frames;
    return;
  }
  if (m.type() != protocol::MessageType::kVideo) return;
  const MediaKind k = classify_video(p, n);
  if (k.frame) on_video_frame(k.keyframe);
}

void LoadPlayer::on_video_frame(bool keyframe) {
  const auto now = Clock::now();
  const bool in_window = now >= window_start_;
  if (stats_.video_frames == 0) {
    stats_.ttff_ms = std::chrono::duration<double, std::milli>(now - started()).count();
    stats_.first_frame_key = keyframe;
  } else {
    const double gap = std::chrono::duration<double, std::milli>(now - last_video_).count();
    if (gap > stats_.max_gap_ms) stats_.max_gap_ms = gap;
    if (gap > 1000) ++stats_.stalls;
    if (in_window) {
      if (gap > stats_.window_max_gap_ms) stats_.window_max_gap_ms = gap;
      if (gap > 1000) ++stats_.window_stalls;
    }
  }
  last_video_ = now;
  ++stats_.video_frames;
  if (in_window) ++stats_.window_video_frames;
  if (keyframe) ++stats_.keyframes;
}

void LoadPlayer::on_closed() {
  const auto now = Clock::now();
  if (idle_ || now < window_start_ || stats_.video_frames == 0) return;
  const double gap = std::chrono::duration<double, std::milli>(now - last_video_).count();
  if (gap > stats_.window_max_gap_ms) stats_.window_max_gap_ms = gap;
  if (gap > 1000) ++stats_.window_stalls;
}

}  // namespace rtmp::load
