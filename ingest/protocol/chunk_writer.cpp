#include "ingest/protocol/chunk_writer.hpp"

#include <algorithm>

namespace rtmp::protocol {
namespace {

constexpr uint32_t kMaxTimestamp = 0xFFFFFF;

void append_le32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Writes the message as chunks: the first with the given fmt and timestamp
// field (absolute for fmt 0, delta otherwise), then fmt 3 continuations that
// repeat the extended timestamp when the first chunk had one.
void write_chunks(uint32_t chunk_size, uint8_t fmt, uint32_t ts_field, const MessageHeader& h,
                  std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  if (chunk_size == 0) chunk_size = 128;
  const uint32_t length = static_cast<uint32_t>(payload.size());
  const bool extended = ts_field >= kMaxTimestamp;
  const size_t chunks = payload.empty() ? 1 : (payload.size() + chunk_size - 1) / chunk_size;
  out.reserve(out.size() + payload.size() + 18 + chunks * 7);

  append_basic_header(out, fmt, h.csid);
  if (fmt < 3) append_be(out, extended ? kMaxTimestamp : ts_field, 3);
  if (fmt < 2) {
    append_be(out, length, 3);
    out.push_back(h.type_id);
  }
  if (fmt == 0) append_le32(out, h.stream_id);
  if (extended) append_be(out, ts_field, 4);

  size_t pos = 0;
  for (;;) {
    const size_t n = std::min<size_t>(chunk_size, payload.size() - pos);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(pos),
               payload.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    if (pos >= payload.size()) break;
    append_basic_header(out, 3, h.csid);
    if (extended) append_be(out, ts_field, 4);
  }
}

}  // namespace

void append_basic_header(std::vector<uint8_t>& out, uint8_t fmt, uint32_t csid) {
  const uint8_t hi = static_cast<uint8_t>(fmt << 6);
  if (csid >= 2 && csid <= 63) {
    out.push_back(hi | static_cast<uint8_t>(csid));
  } else if (csid >= 64 && csid <= 319) {
    out.push_back(hi);
    out.push_back(static_cast<uint8_t>(csid - 64));
  } else {
    // 320..65599 (out-of-range ids are clamped into the 3-byte form).
    const uint32_t v = std::clamp<uint32_t>(csid, 64, 65599) - 64;
    out.push_back(hi | 1);
    out.push_back(static_cast<uint8_t>(v & 0xFF));
    out.push_back(static_cast<uint8_t>(v >> 8));
  }
}

// Header compression against the previous message on the csid, with the same
// delta rule as ffmpeg and our ChunkReader: after a fmt 0 header the "delta" a
// fmt 3 new message repeats is the fmt 0 timestamp field itself.
void ChunkWriter::write(const MessageHeader& header, std::span<const uint8_t> payload,
                        std::vector<uint8_t>& out) {
  const uint32_t length = static_cast<uint32_t>(payload.size());
  auto it = last_.find(header.csid);
  uint8_t fmt = 0;
  uint32_t ts_field = header.timestamp;
  if (it != last_.end() && it->second.header.stream_id == header.stream_id &&
      header.timestamp >= it->second.header.timestamp) {
    const Last& last = it->second;
    const uint32_t delta = header.timestamp - last.header.timestamp;
    ts_field = delta;
    if (last.header.length != length || last.header.type_id != header.type_id) {
      fmt = 1;
    } else if (delta != last.delta) {
      fmt = 2;
    } else {
      fmt = 3;
    }
  }
  write_chunks(chunk_size_, fmt, ts_field, header, payload, out);
  Last& last = last_[header.csid];
  last.header = header;
  last.header.length = length;
  last.delta = ts_field;
}

void write_chunks_fmt0(uint32_t chunk_size, const MessageHeader& header,
                       std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  write_chunks(chunk_size, 0, header.timestamp, header, payload, out);
}

}  // namespace rtmp::protocol
