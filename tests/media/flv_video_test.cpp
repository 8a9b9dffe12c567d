// Video tag headers: legacy codec ids and AVC packet types, Enhanced RTMP
// packet types, composition time, ModEx, multitrack, command frames.
#include "ingest/media/flv_video.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;
using test::concat;
using test::fourcc;

TEST(FlvVideo, LegacyAvcPacketTypesAndBody) {
  const Bytes seq{0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64};
  const VideoPacket p = parse_video_packet(seq);
  EXPECT_TRUE(p.tag.valid);
  EXPECT_EQ(p.packet_type, VideoPacketType::kSequenceStart);
  EXPECT_EQ(p.body.size(), 2u);
  const VideoPacket inter = parse_video_packet(Bytes{0x27, 0x01, 0x00, 0x00, 0x21, 0xaa});
  EXPECT_TRUE(inter.tag.valid);
  EXPECT_FALSE(inter.tag.keyframe);
  EXPECT_EQ(inter.packet_type, VideoPacketType::kCodedFrames);
  EXPECT_EQ(inter.body.size(), 1u);
  const VideoPacket end = parse_video_packet(Bytes{0x17, 0x02, 0x00, 0x00, 0x00});
  EXPECT_TRUE(end.tag.end_of_sequence);
  EXPECT_FALSE(parse_video_packet(Bytes{0x17, 0x03, 0x00, 0x00, 0x00}).tag.valid);  // type 3
  EXPECT_FALSE(parse_video_packet(Bytes{0x17, 0x01, 0x00, 0x00}).tag.valid);        // short CTS
}

TEST(FlvVideo, LegacyCodecIds) {
  EXPECT_EQ(parse_video_packet(Bytes{0x22, 0x00}).tag.codec, "H263");
  EXPECT_EQ(parse_video_packet(Bytes{0x14, 0x00}).tag.codec, "VP6");
  EXPECT_EQ(parse_video_packet(Bytes{0x15, 0x00}).tag.codec, "VP6");
  EXPECT_EQ(parse_video_packet(Bytes{0x13, 0x00}).tag.codec, "ScreenVideo");
  const VideoPacket unknown = parse_video_packet(Bytes{0x1f, 0x00});
  EXPECT_TRUE(unknown.tag.valid);
  EXPECT_EQ(unknown.tag.codec, "");
  EXPECT_TRUE(parse_video_packet(Bytes{0x32}).tag.valid);         // disposable H.263, no body
  EXPECT_FALSE(parse_video_packet(Bytes{0x62, 0x00}).tag.valid);  // frame type 6
}

TEST(FlvVideo, EnhancedCompositionTimeOnlyForAvcHevcCodedFrames) {
  const VideoPacket hevc = parse_video_packet(concat({{0x91}, fourcc("hvc1"), {0, 0, 0, 0xaa}}));
  EXPECT_EQ(hevc.body.size(), 1u);
  const VideoPacket hevc_x = parse_video_packet(concat({{0x93}, fourcc("hvc1"), {0, 0, 0, 0xaa}}));
  EXPECT_EQ(hevc_x.body.size(), 4u);
  const VideoPacket av1 = parse_video_packet(concat({{0x91}, fourcc("av01"), {0, 0, 0, 0xaa}}));
  EXPECT_EQ(av1.body.size(), 4u);
}

TEST(FlvVideo, EnhancedPacketTypes) {
  const VideoPacket meta = parse_video_packet(concat({{0x94}, fourcc("hvc1"), {0x02}}));
  EXPECT_TRUE(meta.tag.valid);
  EXPECT_EQ(meta.packet_type, VideoPacketType::kMetadata);
  EXPECT_FALSE(meta.tag.sequence_header);
  const VideoPacket ts = parse_video_packet(concat({{0x95}, fourcc("av01"), {0x80}}));
  EXPECT_TRUE(ts.tag.sequence_header);
  // Metadata with frame type 5 is metadata, not a command.
  const VideoPacket meta_cmd = parse_video_packet(concat({{0xd4}, fourcc("hvc1"), {0x02}}));
  EXPECT_FALSE(meta_cmd.tag.command_frame);
  EXPECT_EQ(meta_cmd.tag.codec, "H265");
  EXPECT_FALSE(parse_video_packet(concat({{0x98}, fourcc("hvc1")})).tag.valid);  // type 8
}

TEST(FlvVideo, ModExWithSixteenBitSize) {
  Bytes payload{0x97, 0xff, 0x01, 0x00};  // size 0xff → UI16 + 1 = 257
  payload.insert(payload.end(), 257, 0xee);
  payload.push_back(0x00);  // ModEx type 0, packet type SequenceStart
  const Bytes tail = concat({fourcc("vp09"), {0x00, 0x1f, 0x80, 1, 1, 1, 0, 0}});
  payload.insert(payload.end(), tail.begin(), tail.end());
  const VideoPacket p = parse_video_packet(payload);
  EXPECT_TRUE(p.tag.valid);
  EXPECT_EQ(p.tag.codec, "VP9");
  EXPECT_EQ(p.body.size(), 8u);
  payload.resize(200);
  EXPECT_FALSE(parse_video_packet(payload).tag.valid);
}

TEST(FlvVideo, MultitrackTrackSizeLimitsTheBody) {
  const Bytes many = concat({{0x96, 0x11},
                             fourcc("av01"),
                             {0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb},
                             {0x01, 0x00, 0x00, 0x01, 0xcc}});
  const VideoPacket p = parse_video_packet(many);
  EXPECT_TRUE(p.tag.valid);
  EXPECT_EQ(p.tag.codec, "AV1");
  EXPECT_EQ(p.packet_type, VideoPacketType::kCodedFrames);
  EXPECT_EQ(p.body.size(), 2u);
  // A track size past the end of the message.
  EXPECT_FALSE(parse_video_packet(concat({{0x96, 0x11}, fourcc("av01"), {0x00, 0x00, 0x10, 0x00}}))
                   .tag.valid);
  EXPECT_FALSE(parse_video_packet(Bytes{0x96, 0x30}).tag.valid);  // multitrack type 3
  EXPECT_FALSE(parse_video_packet(Bytes{0x96, 0x06}).tag.valid);  // nested multitrack
}

TEST(FlvVideo, EnhancedCommandFrameHasNoFourCc) {
  const VideoPacket p = parse_video_packet(Bytes{0xd1, 0x00});
  EXPECT_TRUE(p.tag.valid);
  EXPECT_TRUE(p.tag.command_frame);
  EXPECT_FALSE(p.tag.keyframe);
  EXPECT_FALSE(parse_video_packet(Bytes{0xd1}).tag.valid);
}

}  // namespace
}  // namespace rtmp::media
