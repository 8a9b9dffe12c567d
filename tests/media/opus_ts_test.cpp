// Opus in MPEG-TS: control-header framing, TOC durations, the default
// OpusHead (which our OpusHead parser reads back).
#include "ingest/media/opus_ts.hpp"

#include <gtest/gtest.h>

#include "ingest/media/opus_head.hpp"
#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;

TEST(OpusTs, PacketSamplesFromTheToc) {
  EXPECT_EQ(opus_packet_samples(Bytes{0xfc, 1}), 960u);                 // CELT 20 ms, one frame
  EXPECT_EQ(opus_packet_samples(Bytes{0x08 | 1, 1}), 1920u);            // SILK 20 ms, two frames
  EXPECT_EQ(opus_packet_samples(Bytes{0x18, 1}), 2880u);                // SILK 60 ms
  EXPECT_EQ(opus_packet_samples(Bytes{0x60, 1}), 480u);                 // hybrid 10 ms
  EXPECT_EQ(opus_packet_samples(Bytes{0x80 | 3, 0x03}), 360u);          // CELT 2.5 ms, three frames
  EXPECT_EQ(opus_packet_samples(Bytes{0x18 | 3, 0x03}), std::nullopt);  // 180 ms: too long
  EXPECT_EQ(opus_packet_samples(Bytes{0xfc | 3}), std::nullopt);        // no frame count
  EXPECT_EQ(opus_packet_samples(Bytes{0xfc | 3, 0x00}), std::nullopt);  // zero frames
  EXPECT_EQ(opus_packet_samples(Bytes{}), std::nullopt);
}

TEST(OpusTs, SplitsControlHeaderFramedUnits) {
  Bytes pes = {0x7f, 0xe0, 3, 0xfc, 1, 2};                      // size 3
  pes.insert(pes.end(), {0x7f, 0xf0, 2, 0x01, 0x38, 0xfc, 9});  // start trim, size 2
  pes.insert(pes.end(), {0x7f, 0xe4, 1, 2, 0xaa, 0xbb, 0xfc});  // control extension, size 1
  Bytes big = {0x7f, 0xe0, 0xff, 0x01};                         // size 256
  big.resize(big.size() + 256, 0xfc);
  pes.insert(pes.end(), big.begin(), big.end());
  ASSERT_TRUE(has_opus_ts_header(pes));
  const auto units = split_opus_ts(pes);
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 4u);
  EXPECT_EQ(Bytes((*units)[0].begin(), (*units)[0].end()), (Bytes{0xfc, 1, 2}));
  EXPECT_EQ(Bytes((*units)[1].begin(), (*units)[1].end()), (Bytes{0xfc, 9}));
  EXPECT_EQ(Bytes((*units)[2].begin(), (*units)[2].end()), (Bytes{0xfc}));
  EXPECT_EQ((*units)[3].size(), 256u);
}

TEST(OpusTs, BrokenFramingIsRefused) {
  EXPECT_FALSE(split_opus_ts(Bytes{0x7f, 0xe0, 5, 0xfc}));              // size past the end
  EXPECT_FALSE(split_opus_ts(Bytes{0x7f, 0xe0, 1, 0xfc, 0x12, 0x34}));  // junk after a unit
  EXPECT_FALSE(split_opus_ts(Bytes{0x7f, 0xe0, 0xff}));                 // size never ends
  EXPECT_FALSE(has_opus_ts_header(Bytes{0xfc, 0xff}));                  // a raw Opus packet
}

TEST(OpusTs, DefaultHeadReadsBack) {
  const auto head = parse_opus_head(default_opus_head(2));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->channels, 2u);
  EXPECT_EQ(head->input_sample_rate, 48000u);
  // The same layout as libopus's own header, apart from the pre-skip.
  const Bytes real = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  const Bytes ours = default_opus_head(2);
  ASSERT_EQ(ours.size(), real.size());
  EXPECT_EQ(Bytes(ours.begin(), ours.begin() + 10), Bytes(real.begin(), real.begin() + 10));
  EXPECT_EQ(Bytes(ours.begin() + 12, ours.end()), Bytes(real.begin() + 12, real.end()));
}

}  // namespace
}  // namespace rtmp::media
