#include "ingest/media/annexb.hpp"

namespace rtmp::media {
namespace {

// Index of the first byte after the next 00 00 01 at or after `from`, and
// where that start code (with a leading zero of a 4-byte code) begins.
struct StartCode {
  size_t begin = 0;
  size_t payload = 0;
};

bool find_start_code(std::span<const uint8_t> data, size_t from, StartCode& out) {
  for (size_t i = from; i + 3 <= data.size(); ++i) {
    if (data[i + 2] > 1) {
      i += 2;  // no start code can end at i+1 or i+2
      continue;
    }
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      out.begin = i;
      out.payload = i + 3;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> data) {
  std::vector<std::span<const uint8_t>> nals;
  StartCode code;
  if (!find_start_code(data, 0, code)) return nals;
  size_t start = code.payload;
  while (start <= data.size()) {
    StartCode next;
    const bool more = find_start_code(data, start, next);
    size_t end = more ? next.begin : data.size();
    // Zeros before a start code are trailing_zero_8bits (or the first byte
    // of a 4-byte start code), never part of the NAL unit: it ends in the
    // rbsp_stop_one_bit or a cabac_zero_word's 03.
    while (end > start && data[end - 1] == 0) --end;
    if (end > start) nals.push_back(data.subspan(start, end - start));
    if (!more) break;
    start = next.payload;
  }
  return nals;
}

void append_length_prefixed(std::vector<uint8_t>& out, std::span<const uint8_t> nal) {
  const auto n = static_cast<uint32_t>(nal.size());
  out.push_back(static_cast<uint8_t>(n >> 24));
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace rtmp::media
