#include "ingest/record/flv_tags.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>

#include "ingest/protocol/amf0.hpp"

namespace rtmp::record {
namespace {

using Bytes = std::vector<uint8_t>;

uint32_t be(const Bytes& b, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | b.at(at + i);
  return v;
}

TEST(FlvTags, Header) {
  const auto h = flv_header(true, true);
  EXPECT_EQ(Bytes(h.begin(), h.end()), (Bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(flv_header(true, false)[4], 4);
  EXPECT_EQ(flv_header(false, true)[4], 1);
}

TEST(FlvTags, TagLayoutAndExtendedTimestamp) {
  Bytes out;
  const Bytes body{0x17, 0x01, 0, 0, 0, 0xaa};
  append_flv_tag(out, kFlvTagVideo, 0x12345678, body);
  ASSERT_EQ(out.size(), kFlvTagHeaderSize + body.size() + 4);
  EXPECT_EQ(out[0], kFlvTagVideo);
  EXPECT_EQ(be(out, 1, 3), body.size());
  EXPECT_EQ(be(out, 4, 3), 0x345678u);  // low 24 bits
  EXPECT_EQ(out[7], 0x12);              // TimestampExtended
  EXPECT_EQ(be(out, 8, 3), 0u);         // stream id
  EXPECT_EQ(Bytes(out.begin() + 11, out.begin() + 17), body);
  EXPECT_EQ(be(out, 17, 4), 11 + body.size());  // PreviousTagSize
}

double number_at(const Bytes& b, size_t at) {
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) bits = (bits << 8) | b.at(at + i);
  return std::bit_cast<double>(bits);
}

TEST(FlvTags, MetadataPatchedInPlaceDecodes) {
  Bytes publisher;
  amf0::encode(amf0::Value::String("onMetaData"), publisher);
  amf0::encode(amf0::Value::EcmaArray({{"width", amf0::Value::Number(1280)},
                                       {"duration", amf0::Value::Number(99)},
                                       {"encoder", amf0::Value::String("Lavf")}}),
               publisher);
  FlvMetadataTag m = flv_metadata_tag(publisher);
  EXPECT_EQ(m.tag[0], kFlvTagScript);
  EXPECT_EQ(number_at(m.tag, m.duration_offset), 0.0);
  EXPECT_EQ(number_at(m.tag, m.filesize_offset), 0.0);
  const auto d = amf_double_bytes(12.5);
  const auto f = amf_double_bytes(4096);
  std::memcpy(m.tag.data() + m.duration_offset, d.data(), 8);
  std::memcpy(m.tag.data() + m.filesize_offset, f.data(), 8);

  const size_t body_size = be(m.tag, 1, 3);
  std::vector<amf0::Value> values;
  ASSERT_EQ(amf0::decode_all(std::span(m.tag).subspan(kFlvTagHeaderSize, body_size), values), "");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].string, "onMetaData");
  EXPECT_EQ(values[1].get_number("duration"), 12.5);
  EXPECT_EQ(values[1].get_number("filesize"), 4096.0);
  EXPECT_EQ(values[1].get_number("width"), 1280.0);
  EXPECT_EQ(values[1].get_string("encoder"), "Lavf");
  // The publisher's duration is replaced, not repeated.
  size_t durations = 0;
  for (const auto& [k, v] : values[1].properties) durations += k == "duration";
  EXPECT_EQ(durations, 1u);
}

TEST(FlvTags, MetadataWithoutOrWithBrokenPublisherMetadata) {
  for (const Bytes& in : {Bytes{}, Bytes{0x02, 0x00, 0x05, 'x'}}) {
    const FlvMetadataTag m = flv_metadata_tag(in);
    std::vector<amf0::Value> values;
    ASSERT_EQ(
        amf0::decode_all(std::span(m.tag).subspan(kFlvTagHeaderSize, be(m.tag, 1, 3)), values), "");
    EXPECT_EQ(values[1].properties.size(), 2u);
  }
}

}  // namespace
}  // namespace rtmp::record
