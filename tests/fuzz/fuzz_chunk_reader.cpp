// libFuzzer target: ChunkReader on arbitrary bytes in arbitrary splits. Every
// message it returns is written again with ChunkWriter and read back by a
// fresh ChunkReader, which must give the same messages (differential check).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"

using namespace rtmp::protocol;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool same(const Message& a, const Message& b) {
  return a.header.csid == b.header.csid && a.header.timestamp == b.header.timestamp &&
         a.header.length == b.header.length && a.header.type_id == b.header.type_id &&
         a.header.stream_id == b.header.stream_id && a.payload == b.payload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 32 * 61;
  std::span<const uint8_t> in(data + 1, size - 1);

  ChunkReaderLimits limits;
  limits.max_message_size = 1 << 20;  // keeps each run fast and small
  limits.max_chunk_streams = 16;
  // The top bit of the selector byte picks a small cap on bytes held in
  // incomplete messages, so the cap's accounting is fuzzed too.
  limits.max_partial_bytes = data[0] & 0x80 ? 1024 : limits.max_message_size;
  ChunkReader reader(limits);
  std::vector<Message> messages;
  for (size_t pos = 0; pos < in.size(); pos += step) {
    if (!reader.feed(in.subspan(pos, std::min(step, in.size() - pos)), messages).empty()) break;
  }
  check(reader.bytes_received() <= in.size());

  std::vector<uint8_t> bytes;
  ChunkWriter writer;
  for (const auto& m : messages) {
    check(m.header.length == m.payload.size());
    check(m.header.csid >= 2 && m.header.csid <= 65599);
    writer.write(m, bytes);
    if (m.type() == MessageType::kSetChunkSize) writer.set_chunk_size(read_be(m.payload.data(), 4));
  }
  ChunkReader again(limits);
  std::vector<Message> back;
  check(again.feed(bytes, back).empty());
  check(back.size() == messages.size());
  for (size_t i = 0; i < back.size(); ++i) check(same(back[i], messages[i]));
  return 0;
}
