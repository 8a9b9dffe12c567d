#pragma once
// Incoming chunk stream -> complete messages (RTMP spec §5.3), no I/O.
// Handles fmt 0-3 headers, 1/2/3-byte basic headers (csid 2..65599), extended
// timestamps (including on fmt 3 continuation chunks when the stream uses them),
// timestamp deltas, interleaved chunk streams, and the two control messages
// that change chunking itself: Set Chunk Size (applied from the next chunk on)
// and Abort. Both are also returned to the caller, like every other message.
//
// Memory: a message's payload buffer grows (geometrically) as its bytes
// arrive, never past its declared length, so a header alone allocates
// nothing; the bytes held in incomplete messages across all chunk streams are
// capped by max_partial_bytes, and the allocation behind them is at most about
// twice that.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {

struct ChunkReaderLimits {
  uint32_t max_message_size = 8 * 1024 * 1024;  // a longer message is an error
  uint32_t max_chunk_size = 16777215;           // Set Chunk Size above this is an error
  uint32_t max_chunk_streams = 64;              // distinct csids with state
  // Bytes held in incomplete messages across all chunk streams; a chunk that
  // would take the total past it is an error. Keep it >= max_message_size.
  // Twice the default message size: a publisher interleaves one large video
  // message with small audio and data ones, so real traffic holds about one
  // message in progress; without a cap 64 csids x 8 MiB would be 512 MiB.
  uint64_t max_partial_bytes = 16 * 1024 * 1024;
};

class ChunkReader {
 public:
  explicit ChunkReader(ChunkReaderLimits limits = {});

  // Consumes `data` (any split: a byte at a time works), appending complete
  // messages to `out`. Returns an empty string on success, else the reason the
  // stream is malformed (fmt 1-3 with no prior fmt 0 on that csid, message too
  // long, chunk size 0 or out of range, too many chunk streams, too many bytes
  // in incomplete messages, ...); after an error the reader must not be fed
  // again.
  std::string feed(std::span<const uint8_t> data, std::vector<Message>& out);

  uint32_t chunk_size() const { return chunk_size_; }
  uint64_t bytes_received() const { return bytes_received_; }
  // Payload bytes held in messages not yet complete, across all chunk streams.
  uint64_t partial_bytes() const { return partial_bytes_; }

 private:
  struct StreamState {
    MessageHeader header;  // last header seen on this csid
    uint32_t timestamp_delta = 0;
    bool extended = false;  // last fmt 0-2 header used an extended timestamp
    bool has_header = false;
    std::vector<uint8_t> partial;  // payload of the message in progress
  };

  // Bytes of the chunk header (basic + message header + extended timestamp)
  // needed given the header bytes in buffer_ so far.
  size_t header_needed() const;
  std::string apply_header(std::vector<Message>& out);
  std::string complete(StreamState& s, uint32_t csid, std::vector<Message>& out);
  std::string apply_control(const Message& m);

  ChunkReaderLimits limits_;
  uint32_t chunk_size_ = 128;
  uint64_t bytes_received_ = 0;
  uint64_t partial_bytes_ = 0;   // sum of StreamState::partial sizes
  std::vector<uint8_t> buffer_;  // unconsumed bytes of an incomplete chunk
  std::unordered_map<uint32_t, StreamState> streams_;
  bool in_payload_ = false;    // header parsed, payload bytes of the chunk pending
  uint32_t payload_csid_ = 0;  // csid of that chunk
  uint32_t payload_left_ = 0;  // payload bytes of that chunk still to come
};

}  // namespace rtmp::protocol
