// av1C and the AV1 sequence header OBU: a real libaom record, and hand-built
// headers with timing, decoder model and several operating points.
#include "ingest/media/av1_config.hpp"

#include <gtest/gtest.h>

#include "tests/media/bit_writer.hpp"
#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::BitWriter;
using test::Bytes;

TEST(Av1Config, RealLibaomRecord) {
  const auto config =
      parse_av1_config(test::mp4_box(test::read_fixture("av1_320x240.mp4"), "av1C"));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->seq_profile, 0);
  EXPECT_EQ(av1_profile_name(config->seq_profile), "Main");
  ASSERT_TRUE(config->sequence_header);
  EXPECT_EQ(config->sequence_header->max_width, 320u);
  EXPECT_EQ(config->sequence_header->max_height, 240u);
  EXPECT_EQ(config->sequence_header->seq_level_idx, config->seq_level_idx);
}

TEST(Av1Config, SequenceHeaderWithTimingAndOperatingPoints) {
  BitWriter w;
  w.bits(1, 3);  // seq_profile High
  w.bit(false);  // still_picture
  w.bit(false);  // reduced_still_picture_header
  w.bit(true);   // timing_info_present_flag
  w.bits(1001, 32);
  w.bits(60000, 32);
  w.bit(true);       // equal_picture_interval
  w.bits(0b010, 3);  // uvlc: 1 → ticks 2
  w.bit(true);       // decoder_model_info_present_flag
  w.bits(9, 5);      // buffer_delay_length_minus_1 → 10 bits
  w.bits(1, 32);
  w.bits(0, 5);
  w.bits(0, 5);
  w.bit(true);   // initial_display_delay_present_flag
  w.bits(1, 5);  // two operating points
  w.bits(0x101, 12);
  w.bits(12, 5);  // level 5.0
  w.bit(true);    // seq_tier
  w.bit(true);    // decoder_model_present_for_this_op
  w.bits(0, 21);  // operating_parameters_info
  w.bit(true);
  w.bits(3, 4);
  w.bits(0x001, 12);
  w.bits(4, 5);  // level 3.0 (no tier bit)
  w.bit(false);
  w.bit(false);
  w.bits(11, 4);  // frame_width_bits_minus_1
  w.bits(10, 4);
  w.bits(1919, 12);
  w.bits(1079, 11);
  w.bits(0, 8);
  const auto header = parse_av1_sequence_header(w.finish());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->seq_profile, 1);
  EXPECT_EQ(header->seq_level_idx, 12);
  EXPECT_EQ(header->max_width, 1920u);
  EXPECT_EQ(header->max_height, 1080u);
  ASSERT_TRUE(header->fps);
  EXPECT_NEAR(*header->fps, 29.97, 0.001);
}

TEST(Av1Config, ReducedStillPicture) {
  BitWriter w;
  w.bits(0, 3);
  w.bit(true);
  w.bit(true);
  w.bits(8, 5);  // level 4.0
  w.bits(7, 4);
  w.bits(7, 4);
  w.bits(99, 8);
  w.bits(49, 8);
  const auto header = parse_av1_sequence_header(w.finish());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->max_width, 100u);
  EXPECT_EQ(header->max_height, 50u);
  EXPECT_EQ(av1_level_name(header->seq_level_idx), "4");
}

TEST(Av1Config, Names) {
  EXPECT_EQ(av1_profile_name(2), "Professional");
  EXPECT_EQ(av1_level_name(0), "2");
  EXPECT_EQ(av1_level_name(9), "4.1");
  EXPECT_EQ(av1_level_name(13), "5.1");
  EXPECT_EQ(av1_level_name(31), "");
}

TEST(Av1Config, RecordWithoutObusAndMalformed) {
  const auto bare = parse_av1_config(Bytes{0x81, 0x08, 0x0c, 0x00});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->seq_level_idx, 8);
  EXPECT_FALSE(bare->sequence_header);
  EXPECT_FALSE(parse_av1_config(Bytes{0x01, 0x08, 0x0c, 0x00}));  // no marker
  EXPECT_FALSE(parse_av1_config(Bytes{0x81, 0x08}));
  // An OBU whose size runs past the record: no sequence header, no crash.
  const auto cut = parse_av1_config(Bytes{0x81, 0x00, 0x0c, 0x00, 0x0a, 0x7f, 0x00});
  ASSERT_TRUE(cut);
  EXPECT_FALSE(cut->sequence_header);
  // leb128 that never ends.
  const auto endless = parse_av1_config(
      Bytes{0x81, 0, 0, 0, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  ASSERT_TRUE(endless);
  EXPECT_FALSE(endless->sequence_header);
}

}  // namespace
}  // namespace rtmp::media
