#include "ingest/protocol/chunk_writer.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "ingest/protocol/chunk_reader.hpp"

namespace rtmp::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

Message msg(uint32_t csid, uint32_t ts, uint8_t type, uint32_t stream, size_t len, uint8_t fill) {
  Message m;
  m.header = {csid, ts, static_cast<uint32_t>(len), type, stream};
  m.payload.assign(len, fill);
  for (size_t i = 0; i < len; ++i) m.payload[i] = static_cast<uint8_t>(fill + i * 13);
  return m;
}

void expect_same(const Message& a, const Message& b) {
  EXPECT_EQ(a.header.csid, b.header.csid);
  EXPECT_EQ(a.header.timestamp, b.header.timestamp);
  EXPECT_EQ(a.header.length, b.header.length);
  EXPECT_EQ(a.header.type_id, b.header.type_id);
  EXPECT_EQ(a.header.stream_id, b.header.stream_id);
  EXPECT_EQ(a.payload, b.payload);
}

TEST(AppendBasicHeader, ThreeSizes) {
  Bytes b;
  append_basic_header(b, 0, 2);
  EXPECT_EQ(b, (Bytes{0x02}));
  b.clear();
  append_basic_header(b, 3, 63);
  EXPECT_EQ(b, (Bytes{0xFF}));
  b.clear();
  append_basic_header(b, 1, 64);
  EXPECT_EQ(b, (Bytes{0x40, 0x00}));
  b.clear();
  append_basic_header(b, 2, 319);
  EXPECT_EQ(b, (Bytes{0x80, 0xFF}));
  b.clear();
  append_basic_header(b, 0, 320);
  EXPECT_EQ(b, (Bytes{0x01, 0x00, 0x01}));
  b.clear();
  append_basic_header(b, 0, 65599);
  EXPECT_EQ(b, (Bytes{0x01, 0xFF, 0xFF}));
}

TEST(ChunkWriter, FormatSelectionBytes) {
  ChunkWriter w;
  Bytes out;
  w.write(msg(6, 100, 9, 1, 2, 0), out);  // first: fmt 0, 12-byte header
  EXPECT_EQ(out.size(), 12u + 2);
  EXPECT_EQ(out[0], 0x06);
  EXPECT_EQ(out[7], 9);
  EXPECT_EQ(out[8], 1);  // stream id little endian
  out.clear();
  w.write(msg(6, 140, 9, 1, 3, 0), out);  // length changed: fmt 1
  EXPECT_EQ(out.size(), 8u + 3);
  EXPECT_EQ(out[0], 0x46);
  EXPECT_EQ(read_be(&out[1], 3), 40u);
  out.clear();
  w.write(msg(6, 160, 9, 1, 3, 0), out);  // only delta changed: fmt 2
  EXPECT_EQ(out.size(), 4u + 3);
  EXPECT_EQ(out[0], 0x86);
  EXPECT_EQ(read_be(&out[1], 3), 20u);
  out.clear();
  w.write(msg(6, 180, 9, 1, 3, 0), out);  // identical delta: fmt 3
  EXPECT_EQ(out.size(), 1u + 3);
  EXPECT_EQ(out[0], 0xC6);
  out.clear();
  w.write(msg(6, 180, 8, 1, 3, 0), out);  // type changed: fmt 1
  EXPECT_EQ(out[0], 0x46);
  out.clear();
  w.write(msg(6, 170, 8, 1, 3, 0), out);  // timestamp backwards: fmt 0
  EXPECT_EQ(out[0], 0x06);
  out.clear();
  w.write(msg(6, 200, 8, 2, 3, 0), out);  // stream id changed: fmt 0
  EXPECT_EQ(out[0], 0x06);
  out.clear();
  w.write(msg(7, 200, 8, 2, 3, 0), out);  // other csid: its own fmt 0
  EXPECT_EQ(out[0], 0x07);
}

TEST(ChunkWriter, ExtendedTimestampRepeatedOnContinuations) {
  ChunkWriter w(100);
  Bytes out;
  const uint32_t ts = 0x12345678;
  w.write(msg(4, ts, 9, 1, 250, 0), out);
  // fmt 0 header (12) + ext (4) + 100, then 2 x (1 + 4 + payload).
  ASSERT_EQ(out.size(), 12u + 4 + 100 + 5 + 100 + 5 + 50);
  EXPECT_EQ(read_be(&out[1], 3), 0xFFFFFFu);
  EXPECT_EQ(read_be(&out[12], 4), ts);
  EXPECT_EQ(out[116], 0xC4);
  EXPECT_EQ(read_be(&out[117], 4), ts);
  EXPECT_EQ(out[221], 0xC4);
  EXPECT_EQ(read_be(&out[222], 4), ts);
}

TEST(WriteChunksFmt0, StatelessAndSharedBytes) {
  Message m = msg(6, 5000, 9, 1, 300, 7);
  Bytes a, b;
  write_chunks_fmt0(128, m.header, m.payload, a);
  write_chunks_fmt0(128, m.header, m.payload, b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 12u + 300 + 2);
  EXPECT_EQ(a[0], 0x06);
  EXPECT_EQ(a[12 + 128], 0xC6);
  // Any reader that has seen nothing on this csid decodes it, repeatedly.
  ChunkReader r;
  std::vector<Message> got;
  Bytes twice = a;
  twice.insert(twice.end(), b.begin(), b.end());
  ASSERT_EQ(r.feed(twice, got), "");
  ASSERT_EQ(got.size(), 2u);
  expect_same(got[0], m);
  expect_same(got[1], m);
}

// Round trip writer -> reader for every chunk size, csid size and header form.
class RoundTrip : public ::testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(RoundTrip, WriterThenReader) {
  auto [chunk_size, csid] = GetParam();
  std::vector<Message> sent;
  uint32_t ts = 0;
  for (int i = 0; i < 40; ++i) {
    if (i == 10) ts = 0xFFFFF0;  // crosses into extended timestamps
    if (i == 20) ts = 5;         // backwards: fmt 0 again
    ts += (i % 5 == 0) ? 33 : (i % 7 == 0 ? 0x1000000 : 20);
    size_t len = (i % 3 == 0) ? 5 : (i % 3 == 1 ? 5 : 300 + i);
    if (i == 11) len = 70000;
    uint8_t type = (i % 4 == 0) ? 8 : 9;
    // Interleave a second chunk stream.
    uint32_t id = (i % 6 == 5) ? 3 : csid;
    sent.push_back(msg(id, ts, type, i < 30 ? 1 : 2, len, static_cast<uint8_t>(i)));
  }
  Bytes bytes;
  ChunkWriter control;
  control.write(make_set_chunk_size(chunk_size), bytes);
  ChunkWriter w(chunk_size);
  for (const auto& m : sent) w.write(m, bytes);
  w.write(Message{{csid, ts + 1, 0, 20, 1}, {}}, bytes);  // empty message

  ChunkReader r;
  std::vector<Message> got;
  const size_t step = chunk_size == 1 ? 4096 : 1;
  for (size_t i = 0; i < bytes.size(); i += step) {
    ASSERT_EQ(r.feed({bytes.data() + i, std::min(step, bytes.size() - i)}, got), "");
  }
  ASSERT_EQ(got.size(), sent.size() + 2);
  EXPECT_EQ(got[0].type(), MessageType::kSetChunkSize);
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(got[i + 1], sent[i]);
  }
  EXPECT_TRUE(got.back().payload.empty());
  EXPECT_EQ(r.chunk_size(), chunk_size);
}

INSTANTIATE_TEST_SUITE_P(ChunkSizesAndCsids, RoundTrip,
                         ::testing::Combine(::testing::Values(1u, 128u, 4096u, 65536u),
                                            ::testing::Values(2u, 63u, 64u, 319u, 320u, 65599u)));

TEST(ChunkWriter, SetChunkSizeTakesEffectOnNextMessage) {
  ChunkWriter w;
  Bytes out;
  w.write(make_set_chunk_size(4096), out);
  w.set_chunk_size(4096);
  EXPECT_EQ(w.chunk_size(), 4096u);
  Message big = msg(6, 0, 9, 1, 4000, 1);
  w.write(big, out);
  EXPECT_EQ(out.size(), 12u + 4 + 12 + 4000);  // one chunk, no continuation
  ChunkReader r;
  std::vector<Message> got;
  ASSERT_EQ(r.feed(out, got), "");
  ASSERT_EQ(got.size(), 2u);
  expect_same(got[1], big);
}

TEST(ControlMessages, Payloads) {
  auto scs = make_set_chunk_size(4096);
  EXPECT_EQ(scs.header.csid, 2u);
  EXPECT_EQ(scs.header.type_id, 1);
  EXPECT_EQ(scs.payload, (Bytes{0, 0, 0x10, 0}));
  EXPECT_EQ(make_window_ack_size(2500000).payload, (Bytes{0x00, 0x26, 0x25, 0xA0}));
  auto spb = make_set_peer_bandwidth(2500000, 2);
  EXPECT_EQ(spb.header.type_id, 6);
  EXPECT_EQ(spb.payload, (Bytes{0x00, 0x26, 0x25, 0xA0, 2}));
  EXPECT_EQ(make_acknowledgement(7).payload, (Bytes{0, 0, 0, 7}));
  auto begin = make_user_control(UserControlEvent::kStreamBegin, 1);
  EXPECT_EQ(begin.header.type_id, 4);
  EXPECT_EQ(begin.payload, (Bytes{0, 0, 0, 0, 0, 1}));
  auto pong = make_ping_response(0x01020304);
  EXPECT_EQ(pong.payload, (Bytes{0, 7, 1, 2, 3, 4}));
  EXPECT_EQ(pong.header.length, 6u);
  EXPECT_EQ(pong.header.stream_id, 0u);
}

}  // namespace
}  // namespace rtmp::protocol
