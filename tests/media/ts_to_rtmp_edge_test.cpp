// TsToRtmp at the edges: ADTS it cannot convert, a sample rate change, a
// video codec change, a restarted encoder clock, packets without timestamps.
#include <gtest/gtest.h>

#include "ingest/media/codec_info.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/media/ts_to_rtmp.hpp"
#include "tests/media/es_fixtures.hpp"

namespace rtmp::media {
namespace {

using protocol::Message;
using test::Bytes;

constexpr int64_t kStart = 900000;
constexpr int64_t kFrame = 3600;

EsPacket packet(EsCodec codec, const Bytes& data, int64_t pts, int64_t dts, bool key = false) {
  return EsPacket{
      .codec = codec, .pts = pts, .dts = dts, .keyframe = key, .data = data, .extradata = {}};
}

Bytes with_sampling_index(Bytes frame, uint8_t index) {
  frame[2] = static_cast<uint8_t>((frame[2] & ~0x3c) | (index << 2));
  return frame;
}

TEST(TsToRtmpEdges, AacSampleRateChangeSendsANewConfigAndKeepsTime) {
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(packet(EsCodec::kAac, frames[0], kStart, kStart), out);
  conv.push(packet(EsCodec::kAac, frames[1], kNoTimestamp, kNoTimestamp), out);
  // Now 44.1 kHz (index 4), still without a pts: counted on from the last frame.
  conv.push(packet(EsCodec::kAac, with_sampling_index(frames[2], 4), kNoTimestamp, kNoTimestamp),
            out);
  conv.push(packet(EsCodec::kAac, with_sampling_index(frames[3], 4), kNoTimestamp, kNoTimestamp),
            out);
  ASSERT_EQ(out.size(), 6u);
  const auto second = describe_audio(out[3].payload);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sample_rate, 44100u);
  EXPECT_EQ(out[3].header.timestamp, 42u);  // 2048 samples at 48 kHz: 42.67 ms
  EXPECT_EQ(out[4].header.timestamp, 42u);
  EXPECT_EQ(out[5].header.timestamp, 2048 * 1000 / 48000 + 1024 * 1000 / 44100);
  EXPECT_EQ(conv.stats().sequence_headers, 2u);
}

TEST(TsToRtmpEdges, AdtsItCannotConvertIsDroppedWithItsReason) {
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  Bytes pce = frames[0];
  pce[2] &= ~0x01;  // channel configuration 0
  pce[3] &= 0x3f;
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(packet(EsCodec::kAac, pce, kStart, kStart), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.error(), "ADTS channel configuration 0 (a PCE) is not supported");

  Bytes crc_blocks = frames[1];
  crc_blocks[1] &= ~0x01;  // protection_absent 0: a CRC
  crc_blocks[6] |= 0x01;   // two raw data blocks
  conv.push(packet(EsCodec::kAac, crc_blocks, kStart + 1920, kStart + 1920), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.stats().audio_dropped, 2u);
  EXPECT_EQ(conv.last_drop_reason(), "ADTS frame with several CRC-protected raw blocks");
}

TEST(TsToRtmpEdges, AudioBeforeAnyTimestampIsDropped) {
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(packet(EsCodec::kAac, frames[0], kNoTimestamp, kNoTimestamp), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.error(), "audio without a timestamp yet");
}

TEST(TsToRtmpEdges, VideoCodecChangeStartsOverWithTheNewCodecsConfig) {
  const auto avc = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  const auto hevc = test::access_units(test::read_fixture("hevc_160x120_aud.hevc"), true);
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(packet(EsCodec::kH264, avc[0], kStart, kStart, true), out);
  conv.push(packet(EsCodec::kH265, hevc[1], kStart + kFrame, kStart + kFrame), out);  // waits
  conv.push(packet(EsCodec::kH265, hevc[5], kStart + 2 * kFrame, kStart + 2 * kFrame, true), out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(inspect_video(out[2].payload).codec, "H265");
  EXPECT_TRUE(inspect_video(out[2].payload).sequence_header);
  EXPECT_EQ(out[3].header.timestamp, 80u);
  EXPECT_EQ(conv.stats().video_waiting, 1u);
}

TEST(TsToRtmpEdges, RestartedEncoderClockContinuesTheTimeline) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  TsToRtmp conv;
  std::vector<Message> out;
  for (size_t i = 0; i < 5; ++i) {
    const int64_t dts = kStart + static_cast<int64_t>(i) * kFrame;
    conv.push(packet(EsCodec::kH264, units[i], dts, dts, i == 0), out);
  }
  // The encoder restarts: its clock is back near 0 (here 1.4 s).
  for (size_t i = 5; i < 10; ++i) {
    const int64_t dts = 126000 + static_cast<int64_t>(i - 5) * kFrame;
    conv.push(packet(EsCodec::kH264, units[i], dts, dts, i == 5), out);
  }
  ASSERT_EQ(out.size(), 11u);
  EXPECT_EQ(out[5].header.timestamp, 160u);
  EXPECT_EQ(out[6].header.timestamp, 160u);  // continues where it was
  EXPECT_EQ(out[10].header.timestamp, 320u);
}

TEST(TsToRtmpEdges, VideoWithoutTimestampsKeepsTheLastOne) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(packet(EsCodec::kH264, units[0], kStart, kStart, true), out);
  conv.push(packet(EsCodec::kH264, units[1], kStart + kFrame, kStart + kFrame), out);
  conv.push(packet(EsCodec::kH264, units[2], kNoTimestamp, kNoTimestamp), out);
  conv.push(packet(EsCodec::kH264, units[3], kStart + 3 * kFrame, kNoTimestamp), out);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[3].header.timestamp, 40u);
  EXPECT_EQ(out[4].header.timestamp, 120u);  // pts stands in for a missing dts
  EXPECT_EQ(out[4].payload[4], 0);           // composition time 0
}

}  // namespace
}  // namespace rtmp::media
