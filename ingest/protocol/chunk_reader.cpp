#include "ingest/protocol/chunk_reader.hpp"

#include <algorithm>

namespace rtmp::protocol {
namespace {

constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};
constexpr uint32_t kMaxTimestamp = 0xFFFFFF;

size_t basic_header_size(uint8_t first) {
  switch (first & 0x3F) {
    case 0:
      return 2;
    case 1:
      return 3;
    default:
      return 1;
  }
}

uint32_t read_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

ChunkReader::ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

size_t ChunkReader::header_needed() const {
  if (buffer_.empty()) return 1;
  const uint8_t fmt = buffer_[0] >> 6;
  const size_t basic = basic_header_size(buffer_[0]);
  if (buffer_.size() < basic) return basic;
  const size_t fixed = basic + kMessageHeaderSize[fmt];
  bool extended = false;
  if (fmt < 3) {
    if (buffer_.size() < basic + 3) return basic + 3;
    extended = read_be(&buffer_[basic], 3) == kMaxTimestamp;
  } else {
    uint32_t csid = buffer_[0] & 0x3F;
    if (basic == 2) csid = 64 + buffer_[1];
    if (basic == 3) csid = 64 + buffer_[1] + 256u * buffer_[2];
    auto it = streams_.find(csid);
    extended = it != streams_.end() && it->second.extended;
  }
  return fixed + (extended ? 4 : 0);
}

std::string ChunkReader::feed(std::span<const uint8_t> data, std::vector<Message>& out) {
  bytes_received_ += data.size();
  size_t pos = 0;
  while (pos < data.size()) {
    if (in_payload_) {
      // Payload bytes go straight to the message being assembled.
      StreamState& s = streams_[payload_csid_];
      const size_t n = std::min<size_t>(payload_left_, data.size() - pos);
      // Grow with the bytes that arrived, never past the declared length: a
      // header alone (a claim, not data) allocates nothing.
      if (s.partial.capacity() < s.partial.size() + n) {
        s.partial.reserve(std::min<size_t>(
            s.header.length, std::max(s.partial.size() + n, 2 * s.partial.capacity())));
      }
      s.partial.insert(s.partial.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                       data.begin() + static_cast<std::ptrdiff_t>(pos + n));
      partial_bytes_ += n;
      pos += n;
      payload_left_ -= static_cast<uint32_t>(n);
      if (payload_left_ == 0) {
        in_payload_ = false;
        if (s.partial.size() == s.header.length) {
          if (auto err = complete(s, payload_csid_, out); !err.empty()) return err;
        }
      }
      continue;
    }
    // Grow the header a piece at a time until its size is known and reached.
    size_t need = header_needed();
    while (buffer_.size() < need && pos < data.size()) {
      const size_t n = std::min(need - buffer_.size(), data.size() - pos);
      buffer_.insert(buffer_.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                     data.begin() + static_cast<std::ptrdiff_t>(pos + n));
      pos += n;
      need = header_needed();
    }
    if (buffer_.size() < need) break;
    auto err = apply_header(out);
    buffer_.clear();
    if (!err.empty()) return err;
  }
  return "";
}

// Applies the complete chunk header in buffer_ to its chunk stream's state.
std::string ChunkReader::apply_header(std::vector<Message>& out) {
  const uint8_t* p = buffer_.data();
  const uint8_t fmt = p[0] >> 6;
  const size_t basic = basic_header_size(p[0]);
  uint32_t csid = p[0] & 0x3F;
  if (basic == 2) csid = 64 + p[1];
  if (basic == 3) csid = 64 + p[1] + 256u * p[2];
  p += basic;

  auto it = streams_.find(csid);
  if (it == streams_.end()) {
    if (fmt != 0) {
      return "chunk fmt " + std::to_string(fmt) + " on csid " + std::to_string(csid) +
             " with no prior fmt 0 header";
    }
    if (streams_.size() >= limits_.max_chunk_streams) {
      return "more than " + std::to_string(limits_.max_chunk_streams) + " chunk streams";
    }
    it = streams_.emplace(csid, StreamState{}).first;
  }
  StreamState& s = it->second;
  if (fmt != 0 && !s.has_header) {
    return "chunk fmt " + std::to_string(fmt) + " on csid " + std::to_string(csid) +
           " with no prior fmt 0 header";
  }
  const bool continuation = fmt == 3 && !s.partial.empty();
  if (fmt < 3 && !s.partial.empty()) {
    return "new message header on csid " + std::to_string(csid) +
           " before the previous message was complete";
  }

  if (fmt < 3) {
    uint32_t ts_field = read_be(p, 3);
    s.extended = ts_field == kMaxTimestamp;
    if (fmt <= 1) {
      s.header.length = read_be(p + 3, 3);
      s.header.type_id = p[6];
    }
    if (fmt == 0) s.header.stream_id = read_le32(p + 7);
    if (s.extended) ts_field = read_be(p + kMessageHeaderSize[fmt], 4);
    s.timestamp_delta = ts_field;
    s.header.timestamp = fmt == 0 ? ts_field : s.header.timestamp + ts_field;
    s.has_header = true;
  } else if (!continuation) {
    // fmt 3 starting a new message: same header, the timestamp moves by the
    // last delta (or by the extended timestamp it carries).
    if (s.extended) s.timestamp_delta = read_be(p, 4);
    s.header.timestamp += s.timestamp_delta;
  }
  s.header.csid = csid;

  if (s.header.length > limits_.max_message_size) {
    return "message of " + std::to_string(s.header.length) + " bytes exceeds the limit of " +
           std::to_string(limits_.max_message_size);
  }
  if (s.header.length == 0) return complete(s, csid, out);
  const size_t have = s.partial.size();
  const uint32_t chunk =
      std::min<uint32_t>(chunk_size_, s.header.length - static_cast<uint32_t>(have));
  // The cap counts this chunk's bytes before they arrive, so the error comes
  // before the memory does.
  if (partial_bytes_ + chunk > limits_.max_partial_bytes) {
    size_t streams = 1;
    for (const auto& [id, st] : streams_) streams += id != csid && !st.partial.empty();
    return "incomplete messages would hold " + std::to_string(partial_bytes_ + chunk) +
           " bytes on " + std::to_string(streams) + " chunk streams, over the limit of " +
           std::to_string(limits_.max_partial_bytes);
  }
  in_payload_ = true;
  payload_csid_ = csid;
  payload_left_ = chunk;
  return "";
}

// Hands out the assembled message on `csid` and applies chunking controls.
std::string ChunkReader::complete(StreamState& s, uint32_t csid, std::vector<Message>& out) {
  Message m;
  m.header = s.header;
  m.header.csid = csid;
  partial_bytes_ -= s.partial.size();
  m.payload = std::move(s.partial);
  s.partial = {};
  auto err = apply_control(m);
  if (err.empty()) out.push_back(std::move(m));  // a malformed control message is not handed out
  return err;
}

std::string ChunkReader::apply_control(const Message& m) {
  // Control messages belong on stream 0 / csid 2, but clients vary: the type
  // alone decides.
  if (m.type() == MessageType::kSetChunkSize) {
    if (m.payload.size() != 4) {
      return "Set Chunk Size payload of " + std::to_string(m.payload.size()) + " bytes, not 4";
    }
    const uint32_t size = read_be(m.payload.data(), 4);
    if (size & 0x80000000u) return "Set Chunk Size with the high bit set";
    if (size == 0 || size > limits_.max_chunk_size) {
      return "Set Chunk Size " + std::to_string(size) + " out of range 1.." +
             std::to_string(limits_.max_chunk_size);
    }
    chunk_size_ = size;
  } else if (m.type() == MessageType::kAbort) {
    if (m.payload.size() != 4) {
      return "Abort payload of " + std::to_string(m.payload.size()) + " bytes, not 4";
    }
    auto it = streams_.find(read_be(m.payload.data(), 4));
    if (it != streams_.end()) {
      partial_bytes_ -= it->second.partial.size();
      it->second.partial = {};
    }
  }
  return "";
}

}  // namespace rtmp::protocol
