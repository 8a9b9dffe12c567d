#include "ingest/api/rate_window.hpp"

namespace rtmp::api {

void RateWindow::add(Clock::time_point at, Counters c) {
  // The window restarts (once) at the first sample holding video: what came
  // before is the start-up burst, not the stream's rate.
  if (!samples_.empty() && samples_.front().c.video_frames == 0 && c.video_frames > 0)
    samples_.clear();
  samples_.push_back(Sample{at, c});
  // Keep one sample at least a window old, and none older.
  while (samples_.size() > 2 && at - samples_[1].at >= kWindow) samples_.pop_front();
}

RateWindow::Rates RateWindow::rates(Clock::time_point now, Counters current) const {
  Rates r;
  if (samples_.empty()) return r;
  const Sample& oldest = samples_.front();
  if (now - oldest.at < kMinSpan) return r;
  // Counters only grow within a publish; a smaller one would be another
  // publish's, and gives no rate.
  if (current.bytes_in < oldest.c.bytes_in || current.video_frames < oldest.c.video_frames)
    return r;
  const double seconds = std::chrono::duration<double>(now - oldest.at).count();
  r.bitrate_kbps = static_cast<double>(current.bytes_in - oldest.c.bytes_in) * 8 / 1000 / seconds;
  r.fps = static_cast<double>(current.video_frames - oldest.c.video_frames) / seconds;
  return r;
}

}  // namespace rtmp::api
