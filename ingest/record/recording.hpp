#pragma once
// One recording of one publish, run on its own thread (recorder.cpp): waits
// for a point to start from (the first video keyframe, or the first audio
// frame of a stream without video), then writes each message to the current
// file, cutting files as the Segmenter says. Every file is written as
// NAME.part and renamed to NAME when complete; only then is its
// segment_complete emitted. A file never takes a name another file has (or
// another recording is writing): the name gets "-1", "-2", ... instead. recording_start and
// recording_stop pair up: stop() emits the stop once, whatever ended the recording; a recording
// that never started emits neither.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/events/event.hpp"
#include "ingest/record/segment_file.hpp"
#include "ingest/record/segmenter.hpp"
#include "ingest/record/tracks.hpp"

namespace rtmp::record {

struct RecordingConfig {
  std::string dir = "recordings";
  std::string format = "auto";  // auto, flv, mp4
  std::string pattern = "%s_%T_seg%03d";
  std::chrono::milliseconds segment{0};  // 0 = one file
};

class Recording {
 public:
  Recording(RecordingConfig config, events::EventSink& sink, std::string conn_id, std::string key);
  ~Recording();  // stop("") if still running
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  // The publisher's next message. A disk error ends the recording (ERROR
  // line, recording_stop with the error); later messages are ignored.
  void on_media(const registry::MediaPtr& m);
  // Completes the current file and emits recording_stop with `error` ("" for
  // a clean end). Once; no-op after that or before the recording started.
  void stop(const std::string& error);
  bool ended() const { return ended_; }
  bool started() const { return started_; }

 private:
  void start(int64_t ts);
  void start_held();
  void write(const registry::MediaPtr& m, int64_t ts, bool keyframe);
  void hold_for_video(const registry::MediaPtr& m, int64_t ts, bool keyframe);
  void hold_for_cut(const registry::MediaPtr& m, int64_t ts, bool keyframe);
  void finish_cut();
  void put(const registry::MediaPtr& m, int64_t ts);  // into the current file
  Tracks file_tracks() const;                         // the tracks a file opened now has
  bool open_segment(int64_t ts);                      // claims the next file's name, then opens it
  bool open_claimed(int64_t ts);  // opens path_'s .part, created by claim_path()
  bool close_segment(int64_t end_ts);
  void fail(const std::string& error);
  void emit(events::EventData data);
  std::string final_path(unsigned index) const;
  bool claim_path(std::string& error);

  const RecordingConfig config_;
  events::EventSink& sink_;
  const std::string conn_id_, key_;

  Tracks tracks_;
  std::vector<std::pair<int64_t, registry::MediaPtr>> early_audio_;  // before the first keyframe
  // From the first keyframe on while the audio track may still come (a TS
  // muxer's first audio often follows the first video keyframe): the file's
  // tracks are fixed when it opens, so it opens once audio is there, or when
  // none came within a bound.
  struct Held {
    int64_t ts;
    registry::MediaPtr m;
    bool keyframe;
  };
  std::vector<Held> held_;
  bool waiting_for_video_ = false;  // held_ starts with audio; see hold_for_video()
  bool video_started_ = false;      // a video keyframe came
  // A cut waits at its keyframe until audio reaches it: audio a container
  // carried behind the video (MPEG-TS over SRT, some encoders) arrives after
  // the keyframe though it plays before it, and belongs in the file being
  // closed. Meanwhile the new file's messages are held.
  std::optional<int64_t> cut_at_;
  std::vector<Held> cut_held_;
  TimestampUnwrapper unwrap_;
  std::optional<Segmenter> segmenter_;
  std::unique_ptr<SegmentFile> file_;
  std::string format_, extension_;
  std::string path_;           // final name of the current (or last) file
  std::string last_complete_;  // the last file renamed to its final name
  // The codec configurations the current file opened with: an MP4 carries
  // them once, at its start, so a publisher's new ones start a new file.
  registry::MediaPtr file_video_config_, file_audio_config_;
  bool config_changed_ = false;
  // What the current file opened with: a video track (video that comes later
  // starts a new file), and the codec its segment_complete names.
  bool file_has_video_ = false;
  std::string file_codec_;
  std::chrono::steady_clock::time_point started_at_;
  unsigned index_ = 0;  // of the current file
  uint32_t segments_ = 0;
  uint64_t bytes_ = 0;
  bool part_claimed_ = false;  // path_'s .part is this recording's, not yet renamed
  int64_t last_ts_ = 0;
  bool started_ = false;
  bool ended_ = false;
};

}  // namespace rtmp::record
