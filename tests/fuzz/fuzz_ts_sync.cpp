// libFuzzer target: media::TsSync on any bytes. The first two bytes choose
// the search limit (up to 64 KiB) and the size of the pieces the rest is fed
// in. Never a crash; the verdict must not depend on how the bytes were split
// (one piece against many); "in step" must name bytes that really hold five
// sync bytes a packet apart; "not TS" must come only once the limit was seen,
// with no such run starting in it that the limit left room to judge.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ingest/media/ts_sync.hpp"

namespace {

using rtmp::media::TsSync;

constexpr std::array<std::size_t, 3> kSizes{188, 192, 204};

// Whether a run of five sync bytes, one packet apart, starts somewhere in
// `data` with all five of them inside it.
bool has_run(std::span<const uint8_t> data) {
  for (std::size_t p = 0; p < data.size(); ++p)
    for (const std::size_t size : kSizes) {
      if (p + 4 * size >= data.size()) continue;
      bool all = true;
      for (std::size_t k = 0; k < 5 && all; ++k) all = data[p + k * size] == 0x47;
      if (all) return true;
    }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max = 1 + static_cast<std::size_t>(bytes[0]) * 256;
  const std::size_t piece = 1 + bytes[1];
  const std::span<const uint8_t> data(bytes + 2, size - 2);

  TsSync whole(max);
  const TsSync::State once = whole.feed(data);
  TsSync split(max);
  TsSync::State pieces = split.state();
  for (std::size_t i = 0; i < data.size(); i += piece)
    pieces = split.feed(data.subspan(i, std::min(piece, data.size() - i)));
  if (once != pieces) __builtin_trap();

  const auto seen = data.first(std::min(data.size(), max));
  if (once == TsSync::State::kInStep && !has_run(seen)) __builtin_trap();
  if (once == TsSync::State::kNotTs && (data.size() < max || has_run(seen))) __builtin_trap();
  if (once == TsSync::State::kSearching && data.size() >= max) __builtin_trap();
  return 0;
}
