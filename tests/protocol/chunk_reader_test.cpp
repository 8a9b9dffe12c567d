#include "ingest/protocol/chunk_reader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "ingest/protocol/chunk_writer.hpp"

// The largest single allocation while `g_track` is set: shows that a declared
// message length is not allocated before its bytes arrive.
namespace {
std::atomic<bool> g_track{false};
std::atomic<size_t> g_largest{0};
}  // namespace

// GCC pairs the replaced new/delete with malloc/free and warns, wrongly.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_track.load(std::memory_order_relaxed)) {
    size_t prev = g_largest.load(std::memory_order_relaxed);
    while (n > prev && !g_largest.compare_exchange_weak(prev, n)) {
    }
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace rtmp::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

// Hand-built chunk headers, independent of ChunkWriter.
Bytes fmt0(uint32_t csid, uint32_t ts, uint32_t len, uint8_t type, uint32_t stream) {
  Bytes b;
  append_basic_header(b, 0, csid);
  append_be(b, ts >= 0xFFFFFF ? 0xFFFFFF : ts, 3);
  append_be(b, len, 3);
  b.push_back(type);
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(stream >> (8 * i)));
  if (ts >= 0xFFFFFF) append_be(b, ts, 4);
  return b;
}
Bytes fmt1(uint32_t csid, uint32_t delta, uint32_t len, uint8_t type) {
  Bytes b;
  append_basic_header(b, 1, csid);
  append_be(b, delta >= 0xFFFFFF ? 0xFFFFFF : delta, 3);
  append_be(b, len, 3);
  b.push_back(type);
  if (delta >= 0xFFFFFF) append_be(b, delta, 4);
  return b;
}
Bytes fmt2(uint32_t csid, uint32_t delta) {
  Bytes b;
  append_basic_header(b, 2, csid);
  append_be(b, delta >= 0xFFFFFF ? 0xFFFFFF : delta, 3);
  if (delta >= 0xFFFFFF) append_be(b, delta, 4);
  return b;
}
Bytes fmt3(uint32_t csid) {
  Bytes b;
  append_basic_header(b, 3, csid);
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes fill(size_t n, uint8_t v) {
  return Bytes(n, v);
}
Bytes be32(uint32_t v) {
  Bytes b;
  append_be(b, v, 4);
  return b;
}

// Feeds `bytes` split every `step` bytes; returns the error (empty if none).
std::string feed(ChunkReader& r, const Bytes& bytes, std::vector<Message>& out, size_t step) {
  for (size_t i = 0; i < bytes.size(); i += step) {
    size_t n = std::min(step, bytes.size() - i);
    auto err = r.feed({bytes.data() + i, n}, out);
    if (!err.empty()) return err;
  }
  return "";
}

class AnySplit : public ::testing::TestWithParam<size_t> {};

TEST_P(AnySplit, AllHeaderForms) {
  // 200-byte video at chunk size 128 on csid 6: fmt 0 + fmt 3 continuation;
  // then fmt 1 (new length/type), fmt 2 (new delta), fmt 3 (same delta).
  Bytes bytes =
      cat({fmt0(6, 1000, 200, 9, 1), fill(128, 1), fmt3(6), fill(72, 1), fmt1(6, 40, 10, 8),
           fill(10, 2), fmt2(6, 20), fill(10, 3), fmt3(6), fill(10, 4)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, GetParam()), "");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].header.timestamp, 1000u);
  EXPECT_EQ(out[0].header.length, 200u);
  EXPECT_EQ(out[0].payload, fill(200, 1));
  EXPECT_EQ(out[0].header.type_id, 9);
  EXPECT_EQ(out[0].header.stream_id, 1u);
  EXPECT_EQ(out[0].header.csid, 6u);
  EXPECT_EQ(out[1].header.timestamp, 1040u);
  EXPECT_EQ(out[1].header.type_id, 8);
  EXPECT_EQ(out[1].header.stream_id, 1u);
  EXPECT_EQ(out[1].payload, fill(10, 2));
  EXPECT_EQ(out[2].header.timestamp, 1060u);
  EXPECT_EQ(out[2].payload, fill(10, 3));
  EXPECT_EQ(out[3].header.timestamp, 1080u);
  EXPECT_EQ(out[3].payload, fill(10, 4));
  EXPECT_EQ(r.bytes_received(), bytes.size());
}

INSTANTIATE_TEST_SUITE_P(Splits, AnySplit, ::testing::Values(1, 2, 3, 7, 64, 100000));

TEST(ChunkReader, BasicHeaderSizes) {
  for (uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    Bytes bytes = cat({fmt0(csid, 5, 3, 20, 0), fill(3, 7)});
    ChunkReader r;
    std::vector<Message> out;
    ASSERT_EQ(feed(r, bytes, out, 1), "") << csid;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].header.csid, csid);
    size_t basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
    EXPECT_EQ(bytes.size(), basic + 11 + 3);
  }
}

TEST(ChunkReader, FirstMessageAfterFmt0TreatsTimestampAsDelta) {
  // As ffmpeg and SRS do: a fmt 3 new message after fmt 0 repeats the fmt 0
  // timestamp field as its delta.
  Bytes bytes = cat({fmt0(4, 10, 1, 8, 1), fill(1, 0), fmt3(4), fill(1, 0)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 1), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].header.timestamp, 20u);
}

TEST(ChunkReader, ExtendedTimestampOnFmt0AndContinuations) {
  const uint32_t ts = 0x01000000;
  // Continuation chunks repeat the 4-byte extended timestamp.
  Bytes bytes = cat({fmt0(7, ts, 300, 9, 1), fill(128, 1), fmt3(7), be32(ts), fill(128, 1), fmt3(7),
                     be32(ts), fill(44, 1)});
  for (size_t step : {1u, 5u, 1000u}) {
    ChunkReader r;
    std::vector<Message> out;
    ASSERT_EQ(feed(r, bytes, out, step), "");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].header.timestamp, ts);
    EXPECT_EQ(out[0].payload, fill(300, 1));
  }
}

TEST(ChunkReader, ExtendedDeltaOnFmt1Fmt2AndFmt3NewMessage) {
  const uint32_t big = 0x01000000;
  Bytes bytes = cat({fmt0(5, 100, 2, 18, 1), fill(2, 0), fmt1(5, big, 2, 18), fill(2, 0),
                     fmt2(5, big + 1), fill(2, 0), fmt3(5), be32(big + 1), fill(2, 0), fmt2(5, 3),
                     fill(2, 0), fmt3(5), fill(2, 0)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 1), "");
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[1].header.timestamp, 100u + big);
  EXPECT_EQ(out[2].header.timestamp, 100u + 2 * big + 1);
  EXPECT_EQ(out[3].header.timestamp, 100u + 3 * big + 2);
  EXPECT_EQ(out[4].header.timestamp, 100u + 3 * big + 5);
  EXPECT_EQ(out[5].header.timestamp, 100u + 3 * big + 8);  // no extended field any more
}

TEST(ChunkReader, InterleavedChunkStreams) {
  Bytes bytes = cat({fmt0(6, 0, 200, 8, 1), fill(128, 'a'), fmt0(7, 0, 150, 9, 1), fill(128, 'v'),
                     fmt3(6), fill(72, 'a'), fmt3(7), fill(22, 'v')});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 3), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].header.csid, 6u);
  EXPECT_EQ(out[0].payload, fill(200, 'a'));
  EXPECT_EQ(out[1].header.csid, 7u);
  EXPECT_EQ(out[1].payload, fill(150, 'v'));
}

TEST(ChunkReader, SetChunkSizeAppliesFromNextChunk) {
  Bytes bytes =
      cat({fmt0(2, 0, 4, 1, 0), be32(300), fmt0(6, 0, 300, 9, 1), fill(300, 9), fmt0(2, 0, 4, 1, 0),
           be32(1), fmt0(6, 0, 3, 9, 1), fill(1, 1), fmt3(6), fill(1, 2), fmt3(6), fill(1, 3)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 1), "");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].type(), MessageType::kSetChunkSize);  // returned to the caller too
  EXPECT_EQ(out[1].payload, fill(300, 9));
  EXPECT_EQ(out[3].payload, (Bytes{1, 2, 3}));
  EXPECT_EQ(r.chunk_size(), 1u);
}

TEST(ChunkReader, AbortDiscardsPartialMessage) {
  Bytes bytes = cat({fmt0(6, 0, 200, 9, 1), fill(128, 1), fmt0(2, 0, 4, 2, 0), be32(6),
                     fmt0(6, 50, 3, 9, 1), fill(3, 5)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 1), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type(), MessageType::kAbort);
  EXPECT_EQ(out[1].payload, fill(3, 5));
  EXPECT_EQ(out[1].header.timestamp, 50u);
}

TEST(ChunkReader, EmptyMessage) {
  Bytes bytes = cat({fmt0(3, 0, 0, 20, 0), fmt0(3, 1, 1, 20, 0), fill(1, 1)});
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(feed(r, bytes, out, 1), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].payload.empty());
}

// Every malformed stream ends with a reason naming the problem.
struct BadCase {
  const char* name;
  Bytes bytes;
  const char* reason;
};

TEST(ChunkReader, Errors) {
  ChunkReaderLimits limits;
  limits.max_message_size = 1000;
  limits.max_chunk_streams = 3;
  limits.max_chunk_size = 65536;
  const BadCase cases[] = {
      {"fmt1 first", fmt1(4, 0, 1, 8), "no prior fmt 0"},
      {"fmt2 first", fmt2(4, 0), "no prior fmt 0"},
      {"fmt3 first", fmt3(4), "no prior fmt 0"},
      {"too long", fmt0(4, 0, 1001, 9, 1), "exceeds the limit"},
      {"too long fmt1", cat({fmt0(4, 0, 1, 9, 1), fill(1, 0), fmt1(4, 0, 5000, 9)}),
       "exceeds the limit"},
      {"chunk size 0", cat({fmt0(2, 0, 4, 1, 0), be32(0)}), "out of range"},
      {"chunk size high bit", cat({fmt0(2, 0, 4, 1, 0), be32(0x80000080)}), "high bit"},
      {"chunk size too big", cat({fmt0(2, 0, 4, 1, 0), be32(65537)}), "out of range"},
      {"chunk size short", cat({fmt0(2, 0, 3, 1, 0), fill(3, 1)}), "not 4"},
      {"abort short", cat({fmt0(2, 0, 2, 2, 0), fill(2, 1)}), "not 4"},
      {"too many csids",
       cat({fmt0(4, 0, 1, 8, 1), fill(1, 0), fmt0(5, 0, 1, 8, 1), fill(1, 0), fmt0(6, 0, 1, 8, 1),
            fill(1, 0), fmt0(7, 0, 1, 8, 1)}),
       "chunk streams"},
      {"header mid-message", cat({fmt0(4, 0, 200, 8, 1), fill(128, 0), fmt1(4, 0, 1, 8)}),
       "before the previous message"},
  };
  for (const auto& c : cases) {
    for (size_t step : {1u, 4096u}) {
      ChunkReader r(limits);
      std::vector<Message> out;
      auto err = feed(r, c.bytes, out, step);
      EXPECT_NE(err.find(c.reason), std::string::npos) << c.name << ": '" << err << "'";
    }
  }
}

TEST(ChunkReader, DefaultLimits) {
  ChunkReader r;
  std::vector<Message> out;
  EXPECT_EQ(r.feed(fmt0(4, 0, 8 * 1024 * 1024, 9, 1), out), "");
  ChunkReader r2;
  EXPECT_NE(r2.feed(fmt0(4, 0, 8 * 1024 * 1024 + 1, 9, 1), out), "");
  ChunkReader r3;
  EXPECT_EQ(r3.feed(cat({fmt0(2, 0, 4, 1, 0), be32(16777215)}), out), "");
  EXPECT_EQ(r3.chunk_size(), 16777215u);
  ChunkReader r4;
  EXPECT_NE(r4.feed(cat({fmt0(2, 0, 4, 1, 0), be32(16777216)}), out), "");
  // 10,000 chunk stream ids: refused past 64.
  ChunkReader r5;
  Bytes many;
  for (uint32_t csid = 2; csid < 10002; ++csid) {
    auto h = fmt0(csid, 0, 1, 8, 1);
    many.insert(many.end(), h.begin(), h.end());
    many.push_back(0);
  }
  auto err = r5.feed(many, out);
  EXPECT_NE(err.find("more than 64 chunk streams"), std::string::npos) << err;
}

// Set Chunk Size `size` on csid 2.
Bytes set_chunk_size(uint32_t size) {
  return cat({fmt0(2, 0, 4, 1, 0), be32(size)});
}

// 63 chunk streams (64 with csid 2's Set Chunk Size) each announce a maximal
// message and send a 64 KiB chunk of it at a time: the bytes held in
// incomplete messages reach the cap (16 MiB by default) and the chunk header
// that would pass it is refused, before its bytes arrive. Without the cap this
// would grow to 63 x 8 MiB.
TEST(ChunkReader, PartialBytesCapAcrossChunkStreams) {
  const uint32_t chunk = 65536;
  const uint32_t declared = 8 * 1024 * 1024;
  const uint64_t cap = ChunkReaderLimits{}.max_partial_bytes;
  ASSERT_EQ(cap, 16u * 1024 * 1024);
  ChunkReader r;
  std::vector<Message> out;
  ASSERT_EQ(r.feed(set_chunk_size(chunk), out), "");
  const Bytes payload = fill(chunk, 0x17);
  uint64_t held = 0;
  std::string err;
  for (int round = 0; err.empty(); ++round) {
    ASSERT_LT(round, 10);
    for (uint32_t csid = 3; csid < 3 + 63 && err.empty(); ++csid) {
      err = r.feed(round == 0 ? fmt0(csid, 0, declared, 9, 1) : fmt3(csid), out);
      if (held + chunk > cap) break;
      ASSERT_EQ(err, "") << "round " << round << " csid " << csid;
      ASSERT_EQ(r.feed(payload, out), "");
      held += chunk;
      ASSERT_EQ(r.partial_bytes(), held);
    }
  }
  EXPECT_EQ(held, cap);
  EXPECT_EQ(out.size(), 1u);  // the Set Chunk Size only
  EXPECT_EQ(err,
            "incomplete messages would hold 16842752 bytes on 63 chunk streams, over the "
            "limit of 16777216");
}

// A peer that sends headers and a byte each (chunk size 1): no error (63 bytes
// held), and no allocation of the declared 8 MiB either.
TEST(ChunkReader, DeclaredLengthIsNotAllocatedUpFront) {
  Bytes bytes = set_chunk_size(1);
  for (uint32_t csid = 3; csid < 3 + 63; ++csid) {
    const Bytes one = cat({fmt0(csid, 0, 8 * 1024 * 1024, 9, 1), fill(1, 1)});
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  ChunkReader r;
  std::vector<Message> out;
  out.reserve(4);
  g_largest = 0;
  g_track = true;
  const auto err = r.feed(bytes, out);
  g_track = false;
  EXPECT_EQ(err, "");
  EXPECT_EQ(r.partial_bytes(), 63u);
  EXPECT_LT(g_largest.load(), 64u * 1024) << "an allocation of " << g_largest.load() << " bytes";
}

// Small limits, any split: the cap counts every chunk stream's bytes, frees
// them when a message completes or is aborted, and errors exactly when a
// chunk would pass it.
TEST(ChunkReader, PartialBytesAccounting) {
  ChunkReaderLimits limits;
  limits.max_message_size = 1000;
  limits.max_partial_bytes = 2000;
  for (size_t step : {1u, 7u, 100000u}) {
    ChunkReader r(limits);
    std::vector<Message> out;
    // csid 4: 900 of 1000; csid 5: 900 of 1000 (chunk size 900).
    ASSERT_EQ(feed(r,
                   cat({set_chunk_size(900), fmt0(4, 0, 1000, 9, 1), fill(900, 1),
                        fmt0(5, 0, 1000, 9, 1), fill(900, 2)}),
                   out, step),
              "");
    EXPECT_EQ(r.partial_bytes(), 1800u);
    // csid 4 completes (100 more): its 1000 bytes leave the count.
    ASSERT_EQ(feed(r, cat({fmt3(4), fill(100, 1)}), out, step), "");
    EXPECT_EQ(r.partial_bytes(), 900u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].payload, fill(1000, 1));
    // Abort csid 5: its 900 bytes go too.
    ASSERT_EQ(feed(r, cat({fmt0(2, 0, 4, 2, 0), be32(5)}), out, step), "");
    EXPECT_EQ(r.partial_bytes(), 0u);
    // Three streams of 900 would be 2700: the third chunk header is refused.
    ASSERT_EQ(
        feed(r, cat({fmt0(6, 0, 1000, 9, 1), fill(900, 3), fmt0(7, 0, 1000, 9, 1), fill(900, 4)}),
             out, step),
        "");
    EXPECT_EQ(feed(r, fmt0(8, 0, 1000, 9, 1), out, step),
              "incomplete messages would hold 2700 bytes on 3 chunk streams, over the limit "
              "of 2000");
  }
}

// What publishers really do, at the largest message and a large chunk size:
// an 8 MiB video message (the most -max-message-size allows by default) whose
// chunks interleave with audio messages spanning two chunks and data messages,
// audio + video + data all incomplete at once. The default cap takes it.
TEST(ChunkReader, LegitInterleavingAtMaxMessageSize) {
  for (uint32_t chunk : {4096u, 65536u, 1u << 20}) {
    const uint32_t video_len = 8 * 1024 * 1024;
    const uint32_t audio_len = chunk + 200;  // two chunks
    Bytes bytes = set_chunk_size(chunk);
    uint32_t video_sent = 0;
    int audio = 0;
    int data = 0;
    while (video_sent < video_len) {
      const uint32_t n = std::min(chunk, video_len - video_sent);
      const Bytes vh = video_sent == 0 ? fmt0(6, 0, video_len, 9, 1) : fmt3(6);
      bytes.insert(bytes.end(), vh.begin(), vh.end());
      bytes.insert(bytes.end(), n, 0x09);
      video_sent += n;
      // First chunk of an audio message and of a data message, then the
      // next video chunk, then their second chunks.
      const Bytes a1 = cat({fmt0(4, 0, audio_len, 8, 1), fill(chunk, 0x08)});
      const Bytes d1 = cat({fmt0(5, 0, audio_len, 18, 1), fill(chunk, 0x12)});
      bytes.insert(bytes.end(), a1.begin(), a1.end());
      bytes.insert(bytes.end(), d1.begin(), d1.end());
      if (video_sent < video_len) {
        const uint32_t m = std::min(chunk, video_len - video_sent);
        const Bytes vh2 = fmt3(6);
        bytes.insert(bytes.end(), vh2.begin(), vh2.end());
        bytes.insert(bytes.end(), m, 0x09);
        video_sent += m;
      }
      const Bytes a2 = cat({fmt3(4), fill(200, 0x08), fmt3(5), fill(200, 0x12)});
      bytes.insert(bytes.end(), a2.begin(), a2.end());
      ++audio;
      ++data;
    }
    ChunkReader r;
    std::vector<Message> out;
    uint64_t peak = 0;
    for (size_t i = 0; i < bytes.size(); i += 1460) {
      const size_t n = std::min<size_t>(1460, bytes.size() - i);
      ASSERT_EQ(r.feed({bytes.data() + i, n}, out), "") << "chunk size " << chunk;
      peak = std::max(peak, r.partial_bytes());
    }
    EXPECT_EQ(r.partial_bytes(), 0u);
    ASSERT_EQ(out.size(), 1u + 1 + audio + data);
    size_t videos = 0;
    for (const auto& m : out) {
      EXPECT_EQ(m.payload.size(), m.header.length);
      if (m.type() == MessageType::kVideo) {
        ++videos;
        EXPECT_EQ(m.payload, Bytes(video_len, 0x09));
      }
    }
    EXPECT_EQ(videos, 1u);
    EXPECT_GT(peak, uint64_t{video_len} - chunk) << "chunk size " << chunk;
    EXPECT_LE(peak, ChunkReaderLimits{}.max_partial_bytes);
  }
}

// The first 40,000 bytes ffmpeg sent after the handshake when publishing
// H.264 + AAC (tests/fuzz/capture_client_bytes.py; the first byte of the seed
// is the fuzzer's split selector).
TEST(ChunkReader, RealFfmpegPublish) {
  std::ifstream f(RTMP_CORPUS_DIR "/fuzz_chunk_reader/ffmpeg_publish_frames", std::ios::binary);
  ASSERT_TRUE(f) << "missing corpus file";
  Bytes bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1u);
  bytes.erase(bytes.begin());
  for (size_t step : {1u, 1460u, 65536u}) {
    ChunkReader r;
    std::vector<Message> out;
    ASSERT_EQ(feed(r, bytes, out, step), "");
    ASSERT_GE(out.size(), 10u);
    std::vector<uint8_t> first_types;
    for (size_t i = 0; i < 6; ++i) first_types.push_back(out[i].header.type_id);
    // connect, releaseStream, FCPublish, createStream, publish, @setDataFrame.
    EXPECT_EQ(first_types, (std::vector<uint8_t>{20, 20, 20, 20, 20, 18}));
    EXPECT_EQ(out[4].header.stream_id, 1u);
    uint32_t last_video = 0;
    for (const auto& m : out) {
      EXPECT_EQ(m.payload.size(), m.header.length);
      if (m.type() == MessageType::kVideo) {
        EXPECT_GE(m.header.timestamp, last_video);
        last_video = m.header.timestamp;
      }
    }
    EXPECT_GT(last_video, 0u);
  }
}

}  // namespace
}  // namespace rtmp::protocol
