#pragma once
// Whether a byte stream is MPEG-TS at all, from its first bytes: TS is in step
// once a sync byte (0x47) starts five packets in a row, for 188-byte packets
// or the 192- and 204-byte variants (timecode prefix, Reed-Solomon suffix).
// A stream not in step within `max_bytes` is something else. Bytes are fed as
// they arrive, in pieces of any size; only the bytes of the search are kept,
// and none once it is over. No I/O.
//
//   TsSync sync(256 * 1024);
//   switch (sync.feed(bytes)) { case TsSync::State::kNotTs: ... }
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtmp::media {

class TsSync {
 public:
  enum class State { kSearching, kInStep, kNotTs };

  explicit TsSync(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes the next bytes of the stream; once in step or not TS, the state
  // stays and further bytes are not looked at.
  State feed(std::span<const uint8_t> bytes);
  State state() const { return state_; }

 private:
  std::size_t max_bytes_;
  State state_ = State::kSearching;
  std::vector<uint8_t> seen_;  // the stream's first bytes, while searching
  std::size_t next_ = 0;       // the first offset in seen_ not yet ruled out
};

}  // namespace rtmp::media
