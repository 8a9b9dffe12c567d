#include "ingest/media/ts_sync.hpp"

#include <algorithm>
#include <array>

namespace rtmp::media {
namespace {

constexpr uint8_t kSyncByte = 0x47;
constexpr std::array<std::size_t, 3> kPacketSizes{188, 192, 204};
// Packets in a row that must start with a sync byte. Any byte is 0x47 once
// in 256: in arbitrary data, five in a row (for one packet size) happen by
// chance at one offset in 4 billion; three would at one in 65,536.
constexpr std::size_t kInStepPackets = 5;

}  // namespace

TsSync::State TsSync::feed(std::span<const uint8_t> bytes) {
  if (state_ != State::kSearching) return state_;
  const std::size_t take = std::min(bytes.size(), max_bytes_ - seen_.size());
  seen_.insert(seen_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
  const bool all_seen = seen_.size() >= max_bytes_;
  for (; next_ < seen_.size(); ++next_) {
    if (seen_[next_] != kSyncByte) continue;
    bool judged = true;
    for (const std::size_t size : kPacketSizes) {
      if (next_ + (kInStepPackets - 1) * size >= seen_.size()) {
        judged = false;  // wait for the bytes that decide it
        continue;
      }
      std::size_t in_row = 1;
      while (in_row < kInStepPackets && seen_[next_ + in_row * size] == kSyncByte) ++in_row;
      if (in_row == kInStepPackets) {
        state_ = State::kInStep;
        seen_ = {};
        return state_;
      }
    }
    if (!judged && !all_seen) break;
  }
  if (all_seen) {
    state_ = State::kNotTs;
    seen_ = {};
  }
  return state_;
}

}  // namespace rtmp::media
