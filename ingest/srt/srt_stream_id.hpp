#pragma once
// The SRT stream id an encoder sends, read as a publish request. No I/O.
//
// Accepted forms (what OBS, ffmpeg, vMix and hardware encoders send):
//   publish:live/name[?token=...&k=v]      the reference server's form
//   #!::r=live/name[?token=...],m=publish  SRT access control (keys in any
//                                          order; token= as a key works too)
// In the access-control form a missing `m` is read as publish: this server
// takes SRT only from publishers (players watch over RTMP), and encoders
// often leave `m` out. `m=request` (play) and `m=bidirectional` are refused,
// as is a `t` (type) other than `stream`. Anything else (an empty id, no
// app or no name, control characters) is refused.
#include <optional>
#include <string>
#include <string_view>

namespace rtmp::srt {

struct SrtStreamId {
  std::string app;    // "live"
  std::string name;   // "name" (no query)
  std::string key;    // "live/name"
  std::string token;  // "" when absent; never logged
  std::string query;  // other parameters as sent, token removed (publish_start's query)
};

// The publish the stream id asks for, or nullopt with `error` set to a
// one-line reason (no token in it).
std::optional<SrtStreamId> parse_stream_id(std::string_view text, std::string& error);

// The stream id as a refusal's log line shows it, so a garbled id can be
// seen: cut before its first '?' or "token=" (a token is never logged), at
// most 100 bytes, control characters as '?', "..." where cut.
std::string loggable_stream_id(std::string_view text);

}  // namespace rtmp::srt
