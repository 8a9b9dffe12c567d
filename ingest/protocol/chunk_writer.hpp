#pragma once
// Messages -> outgoing chunk stream (RTMP spec §5.3), no I/O.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {

// Stateful writer for one connection: compresses headers (fmt 1/2/3) against
// the previous message on the same csid, extended timestamps when >= 0xFFFFFF.
class ChunkWriter {
 public:
  explicit ChunkWriter(uint32_t chunk_size = 128) : chunk_size_(chunk_size) {}

  // Takes effect for the next message written (send our Set Chunk Size first).
  void set_chunk_size(uint32_t size) { chunk_size_ = size; }
  uint32_t chunk_size() const { return chunk_size_; }

  void write(const MessageHeader& header, std::span<const uint8_t> payload,
             std::vector<uint8_t>& out);
  void write(const Message& m, std::vector<uint8_t>& out) { write(m.header, m.payload, out); }

 private:
  struct Last {
    MessageHeader header;
    uint32_t delta = 0;
  };
  uint32_t chunk_size_;
  std::unordered_map<uint32_t, Last> last_;
};

// Stateless chunking for fan-out: fmt 0 first chunk (absolute timestamp), fmt 3
// continuations, so the bytes depend only on the message and the chunk size and
// can be shared by every player with that chunk size. Appends to `out`.
void write_chunks_fmt0(uint32_t chunk_size, const MessageHeader& header,
                       std::span<const uint8_t> payload, std::vector<uint8_t>& out);

// The basic header bytes for fmt/csid (1, 2 or 3 bytes).
void append_basic_header(std::vector<uint8_t>& out, uint8_t fmt, uint32_t csid);

}  // namespace rtmp::protocol
