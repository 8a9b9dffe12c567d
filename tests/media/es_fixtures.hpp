#pragma once
// Test-only: elementary streams as the MPEG-TS demuxer hands them out, cut
// from the raw fixtures in data/ (x264/x265 with AUDs, ADTS AAC): one
// Annex-B access unit per AUD, and what a length-prefixed frame body holds.
#include <cstdint>
#include <span>
#include <vector>

#include "ingest/media/annexb.hpp"
#include "tests/media/fixtures.hpp"

namespace rtmp::media::test {

inline uint8_t nal_type(std::span<const uint8_t> nal, bool hevc) {
  return hevc ? static_cast<uint8_t>((nal[0] >> 1) & 0x3f) : static_cast<uint8_t>(nal[0] & 0x1f);
}

// The access units of an Annex-B stream whose every unit starts with an AUD,
// each re-emitted with 4-byte start codes.
inline std::vector<Bytes> access_units(const Bytes& stream, bool hevc) {
  const uint8_t aud = hevc ? 35 : 9;
  std::vector<Bytes> units;
  for (const auto& nal : split_annexb(stream)) {
    if (nal_type(nal, hevc) == aud || units.empty()) units.emplace_back();
    units.back().insert(units.back().end(), {0, 0, 0, 1});
    units.back().insert(units.back().end(), nal.begin(), nal.end());
  }
  return units;
}

// The NAL units of a 4-byte length-prefixed body; empty when the lengths do
// not add up to the body.
inline std::vector<Bytes> length_prefixed_nals(std::span<const uint8_t> body) {
  std::vector<Bytes> nals;
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < 4) return {};
    const size_t n = (size_t{body[pos]} << 24) | (size_t{body[pos + 1]} << 16) |
                     (size_t{body[pos + 2]} << 8) | body[pos + 3];
    pos += 4;
    if (n > body.size() - pos) return {};
    nals.emplace_back(body.begin() + static_cast<long>(pos),
                      body.begin() + static_cast<long>(pos + n));
    pos += n;
  }
  return nals;
}

// The frames of an ADTS stream, cut by each header's frame length (read here
// from the bytes, not by the parser under test).
inline std::vector<Bytes> adts_frames(const Bytes& stream) {
  std::vector<Bytes> frames;
  for (size_t pos = 0; pos + 7 <= stream.size();) {
    const size_t len = (size_t{stream[pos + 3] & 3u} << 11) | (size_t{stream[pos + 4]} << 3) |
                       (stream[pos + 5] >> 5);
    if (len < 7 || pos + len > stream.size()) break;
    frames.emplace_back(stream.begin() + static_cast<long>(pos),
                        stream.begin() + static_cast<long>(pos + len));
    pos += len;
  }
  return frames;
}

}  // namespace rtmp::media::test
