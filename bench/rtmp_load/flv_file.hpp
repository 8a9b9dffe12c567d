#pragma once
// An FLV file read into memory as tags, for the load client's publishers.
#include <cstdint>
#include <string>
#include <vector>

namespace rtmp::load {

struct FlvTag {
  uint8_t type = 0;        // 8 audio, 9 video, 18 script data
  uint32_t timestamp = 0;  // ms
  std::vector<uint8_t> data;
  bool is_header = false;  // script data or a codec sequence header
};

// Reads every tag of `path`; empty string on success, else the reason.
std::string read_flv(const std::string& path, std::vector<FlvTag>& out);

// Classification of an RTMP/FLV audio or video payload (legacy and Enhanced RTMP).
struct MediaKind {
  bool sequence_header = false;  // codec configuration, not a frame
  bool frame = false;            // a coded frame (video) or audio frame
  bool keyframe = false;         // video only
};
MediaKind classify_video(const uint8_t* p, size_t n);
MediaKind classify_audio(const uint8_t* p, size_t n);

}  // namespace rtmp::load
