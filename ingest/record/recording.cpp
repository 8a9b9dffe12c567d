#include "ingest/record/recording.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/logging.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/record/record_options.hpp"

namespace rtmp::record {
namespace {
constexpr size_t kMaxEarlyAudio = 64;
constexpr int64_t kMaxEarlyAudioMs = 1000;
constexpr unsigned kNameTries = 1000;  // NAME, NAME-1, ... NAME-999
// How long a file waits, from its first keyframe, for an audio track that
// has not appeared yet; and how many messages it holds meanwhile.
constexpr int64_t kAudioWaitMs = 1000;
constexpr size_t kMaxHeld = 512;
// How long a file waits, from its first audio, for a video keyframe when no
// onMetaData said whether video comes: an MPEG-TS encoder's video often
// starts half a second or more after its audio.
constexpr int64_t kVideoWaitMs = 2000;
}  // namespace

Recording::Recording(RecordingConfig config, events::EventSink& sink, std::string conn_id,
                     std::string key)
    : config_(std::move(config)), sink_(sink), conn_id_(std::move(conn_id)), key_(std::move(key)) {}

Recording::~Recording() {
  stop("");
}

void Recording::emit(events::EventData data) {
  sink_.emit(events::Event{conn_id_, key_, std::move(data), 0});
}

std::string Recording::final_path(unsigned index) const {
  const std::string name =
      segment_name(config_.pattern, key_, std::chrono::system_clock::now(), index);
  return (std::filesystem::path(config_.dir) / (name + extension_)).string();
}

void Recording::on_media(const registry::MediaPtr& m) {
  if (ended_) return;
  // A new configuration during a cut's wait for audio: the new file opens
  // now, with the configuration its held frames were coded with.
  if (cut_at_ && m->sequence_header) finish_cut();
  if (ended_) return;
  tracks_.observe(m);
  if (!m->video && !m->audio) return;  // onMetaData: written at the top of each file
  const int64_t ts = unwrap_(m->header.timestamp);
  // The end-of-sequence marker carries the keyframe flag but starts nothing.
  const bool keyframe =
      m->video && m->keyframe && !media::parse_video_packet(m->payload).tag.end_of_sequence;
  if (keyframe && !m->sequence_header) video_started_ = true;
  if (started_) return write(m, ts, keyframe);
  if (waiting_for_video_) return hold_for_video(m, ts, keyframe);
  if (!held_.empty()) {
    held_.push_back({ts, m, keyframe});
    if (!tracks_.has_audio() && ts - held_.front().ts < kAudioWaitMs && held_.size() < kMaxHeld)
      return;
    return start_held();
  }
  if (m->sequence_header) return;  // kept in tracks_, written at open
  // A file starts where it can be decoded: at a video keyframe, or at any
  // audio frame when no video is coming.
  const bool video_expected = tracks_.has_video() || tracks_.video_announced;
  if (m->video ? !keyframe : video_expected) {
    // Audio sent between the last video frame and the keyframe goes with
    // the keyframe (the file then starts at that audio); audio of frames
    // that cannot be shown does not.
    if (m->video) early_audio_.clear();
    if (m->audio && early_audio_.size() < kMaxEarlyAudio) early_audio_.emplace_back(ts, m);
    return;
  }
  std::erase_if(early_audio_, [ts](const auto& a) { return a.first < ts - kMaxEarlyAudioMs; });
  for (const auto& [early_ts, early] : early_audio_) held_.push_back({early_ts, early, false});
  early_audio_.clear();
  held_.push_back({ts, m, keyframe});
  // No audio yet, and onMetaData (when there is one) names an audio codec.
  const bool audio_may_follow =
      m->video && !tracks_.has_audio() && (!tracks_.metadata || tracks_.audio_announced);
  // Audio first, and no onMetaData to say whether video comes.
  waiting_for_video_ = m->audio && !tracks_.metadata;
  if (!audio_may_follow && !waiting_for_video_) start_held();
}

// From the first audio on while a video track may still come: the file's
// tracks are fixed when it opens, so it opens at the first video keyframe,
// with the audio that came before it, or with audio alone once none came
// within a bound (a video keyframe later starts a new file then).
void Recording::hold_for_video(const registry::MediaPtr& m, int64_t ts, bool keyframe) {
  const bool video_starts = m->video && keyframe && !m->sequence_header;
  if (m->video && !video_starts) {
    // Configurations are kept in tracks_; frames before the first keyframe
    // cannot be decoded. Neither is written, and neither ends the wait.
    return;
  }
  held_.push_back({ts, m, keyframe});
  if (!video_starts && ts - held_.front().ts < kVideoWaitMs && held_.size() < kMaxHeld) return;
  waiting_for_video_ = false;
  start_held();
}

// Opens the first file with the tracks known now, then writes what waited.
void Recording::start_held() {
  int64_t base = held_.front().ts;
  for (const auto& h : held_) base = std::min(base, h.ts);
  start(base);
  std::vector<Held> held;
  held.swap(held_);
  for (const auto& h : held) {
    if (ended_) return;
    if (h.m->sequence_header) continue;  // the file's configuration, written at open
    write(h.m, h.ts, h.keyframe);
  }
}

void Recording::write(const registry::MediaPtr& m, int64_t ts, bool keyframe) {
  if (cut_at_) return hold_for_cut(m, ts, keyframe);
  // Video in a file opened without a video track: the file cannot carry it
  // (an MP4 has no track for it; an FLV without the configuration cannot
  // decode it), so a new file starts at its first keyframe, with both tracks
  // and the format they call for.
  const bool video_arrives = m->video && !file_has_video_;
  if (video_arrives && !(keyframe && !m->sequence_header)) return;
  if (m->sequence_header && format_ == "mp4") {
    const auto& opened = m->video ? file_video_config_ : file_audio_config_;
    if (opened && !std::ranges::equal(opened->payload, m->payload)) config_changed_ = true;
  }
  // A new configuration takes effect in a new file that starts where it can
  // be decoded (with video: at a keyframe).
  const bool new_config =
      config_changed_ && !m->sequence_header && (keyframe || (!m->video && !file_has_video_));
  if (video_arrives || new_config || segmenter_->cut_before(m->video, keyframe, ts)) {
    if (video_arrives)
      common::log::info({.conn_id = conn_id_, .stream_key = key_},
                        "recording: video started, starting a new file");
    else if (new_config)
      common::log::info({.conn_id = conn_id_, .stream_key = key_},
                        "recording: new codec configuration, starting a new file");
    if (m->video && tracks_.has_audio()) {
      cut_at_ = ts;
      cut_held_.push_back({ts, m, keyframe});
      return;
    }
    if (!close_segment(ts) || !open_segment(ts)) return;
  }
  put(m, ts);
}

void Recording::put(const registry::MediaPtr& m, int64_t ts) {
  const int64_t rel = std::max<int64_t>(0, ts - segmenter_->start());
  if (auto err = file_->write(*m, static_cast<uint32_t>(rel)); !err.empty()) return fail(err);
  last_ts_ = std::max(last_ts_, ts);
}

// Audio from before the cut goes on into the file being closed; the rest
// waits for the new file, which opens once audio has reached the cut (or
// the wait's bound passed: the audio track may have stopped).
void Recording::hold_for_cut(const registry::MediaPtr& m, int64_t ts, bool keyframe) {
  const int64_t at = *cut_at_;
  if (m->audio && !m->sequence_header && ts < at) return put(m, ts);
  cut_held_.push_back({ts, m, keyframe});
  const bool audio_reached = m->audio && !m->sequence_header;
  if (!audio_reached && ts - at < kAudioWaitMs && cut_held_.size() < kMaxHeld) return;
  finish_cut();
}

void Recording::finish_cut() {
  const int64_t at = *cut_at_;
  cut_at_.reset();
  std::vector<Held> held;
  held.swap(cut_held_);
  if (!close_segment(at) || !open_segment(at)) return;
  for (const auto& h : held) {
    if (ended_) return;
    write(h.m, h.ts, h.keyframe);
  }
}

void Recording::start(int64_t ts) {
  started_ = true;
  started_at_ = std::chrono::steady_clock::now();
  const Tracks tracks = file_tracks();
  format_ = choose_format(config_.format, tracks);
  extension_ = "." + format_;
  segmenter_.emplace(config_.segment, tracks.has_video());
  last_ts_ = ts;
  // The first file's name is claimed before recording_start names it; a
  // recording that cannot even do that still pairs its start with a stop.
  std::string error;
  std::error_code ec;
  std::filesystem::create_directories(config_.dir, ec);
  if (ec) {
    path_ = final_path(index_);
    error = "create " + config_.dir + ": " + ec.message();
  } else {
    claim_path(error);
  }
  emit(events::RecordingStart{path_, format_, tracks.codec(), config_.segment.count() > 0,
                              static_cast<uint64_t>(config_.segment.count())});
  common::log::info({.conn_id = conn_id_, .stream_key = key_}, "recording started: {} ({})", path_,
                    format_);
  if (!error.empty()) return fail(error);
  open_claimed(ts);
}

// Sets path_ to the pattern's name for the current file, or to that name with
// "-N" added when it is taken, and creates its .part. Two keys can give one
// name ("live/x_y" and "live_x/y"), a publisher that comes back within the
// same second gets the same %T, and a pattern without %d names every segment
// alike: each would otherwise overwrite a finished file, or share a .part
// with another recording. The .part is created exclusively before the final
// name is looked at, so of two recordings after one name only one gets it,
// and a .part left by a crash is never written over either.
bool Recording::claim_path(std::string& error) {
  const std::string stem = final_path(index_);
  const std::string base = stem.substr(0, stem.size() - extension_.size());
  for (unsigned n = 0; n < kNameTries; ++n) {
    const std::string candidate = n == 0 ? stem : base + "-" + std::to_string(n) + extension_;
    const std::string part = candidate + ".part";
    const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;
    path_ = candidate;
    if (fd < 0) {
      error = "open " + part + ": " + std::strerror(errno);
      return false;
    }
    ::close(fd);
    struct stat st {};
    if (::lstat(candidate.c_str(), &st) != 0) return part_claimed_ = true;
    ::unlink(part.c_str());  // a finished file has this name
  }
  path_ = stem;
  error = "no free file name: " + stem + " and " + std::to_string(kNameTries - 1) +
          " numbered names after it are taken";
  return false;
}

// A file has a video track once a video keyframe came: frames before it
// cannot be decoded, and may come without their configuration (a publish
// joined mid-GOP).
Tracks Recording::file_tracks() const {
  Tracks t = tracks_;
  if (!video_started_) {
    t.video_codec.clear();
    t.video_config.reset();
  }
  return t;
}

bool Recording::open_segment(int64_t ts) {
  if (!file_has_video_ && video_started_) {
    // The first file with video: its format is chosen from both tracks
    // (auto: MP4 for HEVC), and it is cut at keyframes from now on.
    format_ = choose_format(config_.format, file_tracks());
    extension_ = "." + format_;
    segmenter_.emplace(config_.segment, true);
  }
  std::string error;
  if (!claim_path(error)) {
    fail(error);
    return false;
  }
  return open_claimed(ts);
}

bool Recording::open_claimed(int64_t ts) {
  segmenter_->begin(ts);
  std::string error;
  const std::string part = path_ + ".part";
  const Tracks tracks = file_tracks();
  file_ = format_ == "mp4" ? open_mp4(part, tracks, error) : open_flv(part, tracks, error);
  if (!file_) {
    fail(error);
    return false;
  }
  file_video_config_ = tracks.video_config;
  file_audio_config_ = tracks.audio_config;
  file_has_video_ = tracks.has_video();
  file_codec_ = tracks.codec();
  config_changed_ = false;
  return true;
}

bool Recording::close_segment(int64_t end_ts) {
  const int64_t duration = std::max<int64_t>(0, end_ts - segmenter_->start());
  const std::string err = file_->finish(static_cast<uint32_t>(duration));
  file_.reset();
  if (!err.empty()) {
    fail(err);
    return false;
  }
  const std::string part = path_ + ".part";
  if (std::rename(part.c_str(), path_.c_str()) != 0) {
    fail("rename " + part + ": " + std::strerror(errno));
    return false;
  }
  part_claimed_ = false;
  last_complete_ = path_;
  struct stat st {};
  const uint64_t size = ::stat(path_.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  bytes_ += size;
  ++segments_;
  emit(events::SegmentComplete{path_, size, index_, static_cast<uint64_t>(duration), file_codec_,
                               format_});
  ++index_;
  return true;
}

void Recording::fail(const std::string& error) {
  common::log::error({.conn_id = conn_id_, .stream_key = key_}, "recording failed: {}", error);
  file_.reset();
  ended_ = true;
  // The .part this recording was writing stays for inspection, and its bytes
  // count; an empty one (the file could not even begin: a codec the format
  // cannot carry) holds nothing to inspect and goes.
  const bool had_part = part_claimed_;
  if (part_claimed_) {
    part_claimed_ = false;
    const std::string part = path_ + ".part";
    struct stat st {};
    if (::stat(part.c_str(), &st) == 0) {
      if (st.st_size == 0) {
        ::unlink(part.c_str());
      } else {
        bytes_ += static_cast<uint64_t>(st.st_size);
      }
    }
  }
  // recording_stop names a file that exists: the .part the error left, else
  // the last complete file (the name it could not write when there is none).
  std::error_code ec;
  if (had_part && std::filesystem::exists(path_ + ".part", ec))
    path_ += ".part";
  else if (!last_complete_.empty())
    path_ = last_complete_;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  emit(events::RecordingStop{path_, segments_, bytes_, secs, error});
}

void Recording::stop(const std::string& error) {
  waiting_for_video_ = false;
  if (!ended_ && !started_ && !held_.empty()) start_held();
  if (!ended_ && cut_at_) finish_cut();
  if (ended_ || !started_) {
    ended_ = true;
    return;
  }
  if (file_ && !close_segment(last_ts_)) return;  // fail() emitted the stop
  ended_ = true;
  if (!error.empty()) {
    common::log::error({.conn_id = conn_id_, .stream_key = key_}, "recording failed: {}", error);
  } else {
    common::log::info({.conn_id = conn_id_, .stream_key = key_},
                      "recording stopped: {} file(s), {} bytes", segments_, bytes_);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  emit(events::RecordingStop{path_, segments_, bytes_, secs, error});
}

}  // namespace rtmp::record
