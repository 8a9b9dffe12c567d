// FLV recording: tags as the publisher sent them, written through a small
// buffer with write(2); duration and filesize patched with pwrite(2) at the
// end.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ingest/record/flv_tags.hpp"
#include "ingest/record/segment_file.hpp"

namespace rtmp::record {
namespace {

// Written out at each video keyframe, past this, or a second of media after
// the last write (FlushClock), so a killed process leaves the file whole up to
// about the last keyframe, or the last second without video.
constexpr size_t kFlushBytes = 256 * 1024;

std::string errno_text(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

class FlvFile final : public SegmentFile {
 public:
  FlvFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FlvFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string start(const Tracks& t) {
    const auto header = flv_header(t.has_audio(), t.has_video());
    buf_.assign(header.begin(), header.end());
    std::span<const uint8_t> meta;
    if (t.metadata) meta = t.metadata->payload;
    const FlvMetadataTag tag = flv_metadata_tag(meta);
    duration_at_ = buf_.size() + tag.duration_offset;
    filesize_at_ = buf_.size() + tag.filesize_offset;
    buf_.insert(buf_.end(), tag.tag.begin(), tag.tag.end());
    if (t.video_config) append_flv_tag(buf_, kFlvTagVideo, 0, t.video_config->payload);
    if (t.audio_config) append_flv_tag(buf_, kFlvTagAudio, 0, t.audio_config->payload);
    return flush();
  }

  std::string write(const registry::MediaMessage& m, uint32_t timestamp) override {
    if (!m.video && !m.audio) return {};  // onMetaData was written at open
    append_flv_tag(buf_, m.video ? kFlvTagVideo : kFlvTagAudio, timestamp, m.payload);
    if ((m.video && m.keyframe) || buf_.size() >= kFlushBytes || clock_.due(timestamp)) {
      clock_.flushed(timestamp);
      return flush();
    }
    return {};
  }

  std::string finish(uint32_t duration_ms) override {
    if (auto err = flush(); !err.empty()) return err;
    const auto duration = amf_double_bytes(duration_ms / 1000.0);
    const auto filesize = amf_double_bytes(static_cast<double>(written_));
    if (::pwrite(fd_, duration.data(), duration.size(), static_cast<off_t>(duration_at_)) != 8 ||
        ::pwrite(fd_, filesize.data(), filesize.size(), static_cast<off_t>(filesize_at_)) != 8)
      return errno_text("write", path_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return errno_text("close", path_);
    return {};
  }

 private:
  std::string flush() {
    size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        return errno_text("write", path_);
      }
      done += static_cast<size_t>(n);
    }
    written_ += buf_.size();
    buf_.clear();
    return {};
  }

  int fd_;
  std::string path_;
  std::vector<uint8_t> buf_;
  FlushClock clock_;
  uint64_t written_ = 0;
  size_t duration_at_ = 0, filesize_at_ = 0;
};

}  // namespace

std::unique_ptr<SegmentFile> open_flv(const std::string& path, const Tracks& tracks,
                                      std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = errno_text("open", path);
    return nullptr;
  }
  auto file = std::make_unique<FlvFile>(fd, path);
  error = file->start(tracks);
  if (!error.empty()) return nullptr;
  return file;
}

}  // namespace rtmp::record
