// TsToRtmp: elementary-stream packets as the MPEG-TS demuxer hands them out
// (real x264/x265/ffmpeg-aac streams from data/) become the RTMP messages of
// an RTMP publisher, which our own FLV and codec parsers read back.
#include "ingest/media/ts_to_rtmp.hpp"

#include <gtest/gtest.h>

#include "ingest/media/codec_info.hpp"
#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "tests/media/es_fixtures.hpp"

namespace rtmp::media {
namespace {

using protocol::Message;
using protocol::MessageType;
using test::Bytes;

constexpr int64_t kStart = 900000;  // 10 s, as ffmpeg's mpegts muxer starts near 1.4 s
constexpr int64_t kFrame = 3600;    // 25 fps in 90 kHz

EsPacket video(EsCodec codec, const Bytes& au, int64_t dts, int64_t pts, bool key = false) {
  return EsPacket{
      .codec = codec, .pts = pts, .dts = dts, .keyframe = key, .data = au, .extradata = {}};
}

std::vector<Message> push_all(TsToRtmp& conv, const std::vector<EsPacket>& packets) {
  std::vector<Message> out;
  for (const auto& p : packets) conv.push(p, out);
  return out;
}

std::vector<EsPacket> stream_packets(EsCodec codec, const std::vector<Bytes>& units,
                                     int64_t start = kStart) {
  std::vector<EsPacket> packets;
  for (size_t i = 0; i < units.size(); ++i) {
    const int64_t dts = start + static_cast<int64_t>(i) * kFrame;
    packets.push_back(video(codec, units[i], dts, dts + 2 * kFrame, i % 5 == 0));
  }
  return packets;
}

void expect_rtmp_header(const Message& m, MessageType type, uint32_t ms) {
  EXPECT_EQ(m.header.type_id, static_cast<uint8_t>(type));
  EXPECT_EQ(m.header.timestamp, ms);
  EXPECT_EQ(m.header.length, m.payload.size());
  EXPECT_EQ(m.header.stream_id, 1u);
  EXPECT_EQ(m.header.csid,
            type == MessageType::kVideo ? protocol::kCsidVideo : protocol::kCsidAudio);
}

TEST(TsToRtmp, H264BecomesAnAvcSequenceHeaderThenLengthPrefixedFrames) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  TsToRtmp conv;
  const auto out = push_all(conv, stream_packets(EsCodec::kH264, units));
  ASSERT_EQ(out.size(), units.size() + 1);

  expect_rtmp_header(out[0], MessageType::kVideo, 0);
  const VideoTag config = inspect_video(out[0].payload);
  EXPECT_TRUE(config.valid && config.sequence_header && !config.enhanced);
  EXPECT_EQ(config.codec, "H264");
  const auto detected = describe_video(out[0].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->codec, "H264");
  EXPECT_EQ(detected->width, 160u);
  EXPECT_EQ(detected->height, 120u);
  EXPECT_EQ(detected->profile, "Main");

  for (size_t i = 1; i < out.size(); ++i) {
    SCOPED_TRACE(i);
    expect_rtmp_header(out[i], MessageType::kVideo, static_cast<uint32_t>((i - 1) * 40));
    const VideoPacket packet = parse_video_packet(out[i].payload);
    ASSERT_TRUE(packet.tag.valid);
    EXPECT_EQ(packet.tag.codec, "H264");
    EXPECT_FALSE(packet.tag.sequence_header);
    EXPECT_EQ(packet.tag.keyframe, (i - 1) % 5 == 0);
    EXPECT_EQ(out[i].payload[0], (i - 1) % 5 == 0 ? 0x17 : 0x27);
    EXPECT_EQ(out[i].payload[1], 1);   // AVC NALU
    EXPECT_EQ(out[i].payload[4], 80);  // composition time: pts - dts = 2 frames
    const auto nals = test::length_prefixed_nals(packet.body);
    ASSERT_FALSE(nals.empty());
    for (const auto& nal : nals) {
      const uint8_t type = test::nal_type(nal, false);
      EXPECT_TRUE(type != 7 && type != 8 && type != 9) << int(type);
    }
    // Every other NAL of the access unit is there, in order, unchanged.
    std::vector<Bytes> expected;
    for (const auto& nal : split_annexb(units[i - 1])) {
      const uint8_t type = test::nal_type(nal, false);
      if (type != 7 && type != 8 && type != 9) expected.emplace_back(nal.begin(), nal.end());
    }
    EXPECT_EQ(nals, expected);
  }
  EXPECT_EQ(conv.stats().video_frames, units.size());
  EXPECT_EQ(conv.stats().sequence_headers, 1u);
  EXPECT_EQ(conv.stats().video_dropped, 0u);
  EXPECT_TRUE(conv.error().empty());
}

TEST(TsToRtmp, H264WaitsForAKeyframeWithParameterSets) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  TsToRtmp conv;
  // Joined mid-GOP: frames 1..4 are not keyframes; frame 5 is, with SPS/PPS.
  std::vector<EsPacket> packets = stream_packets(EsCodec::kH264, units);
  packets.erase(packets.begin());
  const auto out = push_all(conv, packets);
  EXPECT_EQ(conv.stats().video_waiting, 4u);
  ASSERT_EQ(out.size(), 1 + units.size() - 5);
  EXPECT_TRUE(inspect_video(out[0].payload).sequence_header);
  EXPECT_TRUE(inspect_video(out[1].payload).keyframe);
  // Times still count from the first packet seen: frame 4 is 4 frames in.
  EXPECT_EQ(out[1].header.timestamp, 160u);
}

TEST(TsToRtmp, WithoutParameterSetsNothingComesOutAndErrorSaysWhy) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  TsToRtmp conv;
  std::vector<Message> out;
  for (size_t i = 0; i < units.size(); ++i) {
    Bytes slices;  // the access unit without its SPS/PPS
    for (const auto& nal : split_annexb(units[i])) {
      const uint8_t type = test::nal_type(nal, false);
      if (type == 7 || type == 8) continue;
      slices.insert(slices.end(), {0, 0, 1});
      slices.insert(slices.end(), nal.begin(), nal.end());
    }
    conv.push(video(EsCodec::kH264, slices, kStart, kStart, true), out);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.error(), "no H.264 SPS/PPS yet");
}

TEST(TsToRtmp, NewParameterSetsSendANewSequenceHeader) {
  const auto small = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  const auto large = test::access_units(test::read_fixture("h264_320x240_aud.h264"), false);
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(video(EsCodec::kH264, small[0], kStart, kStart, true), out);
  conv.push(video(EsCodec::kH264, small[5], kStart + kFrame, kStart + kFrame, true), out);
  conv.push(video(EsCodec::kH264, large[0], kStart + 2 * kFrame, kStart + 2 * kFrame, true), out);
  ASSERT_EQ(out.size(), 5u);  // config, frame, frame (same SPS/PPS), config, frame
  EXPECT_TRUE(inspect_video(out[3].payload).sequence_header);
  EXPECT_EQ(out[3].header.timestamp, 80u);
  const auto detected = describe_video(out[3].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->width, 320u);
  EXPECT_EQ(conv.stats().sequence_headers, 2u);
}

TEST(TsToRtmp, H265BecomesEnhancedRtmpHvc1) {
  const auto units = test::access_units(test::read_fixture("hevc_160x120_aud.hevc"), true);
  ASSERT_EQ(units.size(), 10u);
  TsToRtmp conv;
  auto packets = stream_packets(EsCodec::kH265, units);
  packets[3].pts = packets[3].dts;  // composition time 0: CodedFramesX
  const auto out = push_all(conv, packets);
  ASSERT_EQ(out.size(), units.size() + 1);

  const VideoPacket config = parse_video_packet(out[0].payload);
  EXPECT_TRUE(config.tag.valid && config.tag.enhanced && config.tag.sequence_header);
  EXPECT_EQ(config.tag.codec, "H265");
  const auto detected = describe_video(out[0].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->codec, "H265");
  EXPECT_EQ(detected->width, 160u);
  EXPECT_EQ(detected->height, 120u);
  EXPECT_EQ(detected->profile, "Main");
  EXPECT_TRUE(detected->level);

  for (size_t i = 1; i < out.size(); ++i) {
    SCOPED_TRACE(i);
    expect_rtmp_header(out[i], MessageType::kVideo, static_cast<uint32_t>((i - 1) * 40));
    const VideoPacket packet = parse_video_packet(out[i].payload);
    ASSERT_TRUE(packet.tag.valid);
    EXPECT_TRUE(packet.tag.enhanced);
    EXPECT_EQ(packet.tag.codec, "H265");
    EXPECT_EQ(packet.tag.keyframe, (i - 1) % 5 == 0);
    EXPECT_EQ(packet.packet_type,
              i == 4 ? VideoPacketType::kCodedFramesX : VideoPacketType::kCodedFrames);
    const auto nals = test::length_prefixed_nals(packet.body);
    ASSERT_FALSE(nals.empty());
    for (const auto& nal : nals) {
      const uint8_t type = test::nal_type(nal, true);
      EXPECT_TRUE(type < 32 || type > 35) << int(type);
    }
  }
  EXPECT_EQ(out[2].payload[5], 0);  // composition time 80 ms, SI24 after the FourCC
  EXPECT_EQ(out[2].payload[7], 80);
}

EsPacket audio(EsCodec codec, const Bytes& data, int64_t pts, const Bytes& extradata = {}) {
  return EsPacket{.codec = codec,
                  .pts = pts,
                  .dts = pts,
                  .keyframe = false,
                  .data = data,
                  .extradata = extradata};
}

TEST(TsToRtmp, AacPesBecomesConfigThenOneMessagePerFrameAtItsOwnTime) {
  const Bytes stream = test::read_fixture("aac_48k_stereo.adts");
  const auto frames = test::adts_frames(stream);
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(audio(EsCodec::kAac, stream, kStart), out);  // the whole PES at once
  ASSERT_EQ(out.size(), frames.size() + 1);
  expect_rtmp_header(out[0], MessageType::kAudio, 0);
  EXPECT_EQ(out[0].payload, (Bytes{0xaf, 0x00, 0x11, 0x90}));
  const auto detected = describe_audio(out[0].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->codec, "AAC");
  EXPECT_EQ(detected->sample_rate, 48000u);
  EXPECT_EQ(detected->channels, 2u);
  for (size_t i = 1; i < out.size(); ++i) {
    SCOPED_TRACE(i);
    // 1024 samples at 48 kHz: 21.33 ms, rounded down from the exact time.
    expect_rtmp_header(out[i], MessageType::kAudio, static_cast<uint32_t>((i - 1) * 1024 / 48));
    const AudioPacket packet = parse_audio_packet(out[i].payload);
    ASSERT_TRUE(packet.tag.valid);
    EXPECT_EQ(packet.tag.codec, "AAC");
    EXPECT_FALSE(packet.tag.sequence_header);
    const Bytes raw(frames[i - 1].begin() + 7, frames[i - 1].end());
    EXPECT_EQ(Bytes(packet.body.begin(), packet.body.end()), raw);
  }
}

TEST(TsToRtmp, AacWithoutPtsContinuesFromTheLastOne) {
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  TsToRtmp conv;
  std::vector<Message> out;
  for (size_t i = 0; i < frames.size(); ++i) {
    conv.push(audio(EsCodec::kAac, frames[i], i == 0 ? kStart : kNoTimestamp), out);
  }
  ASSERT_EQ(out.size(), frames.size() + 1);
  EXPECT_EQ(out.back().header.timestamp, (frames.size() - 1) * 1024 / 48);
}

TEST(TsToRtmp, AudioAndVideoShareTheFirstTimestamp) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(video(EsCodec::kH264, units[0], kStart, kStart + 7200, true), out);
  conv.push(audio(EsCodec::kAac, frames[0], kStart + 9000), out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].header.timestamp, 0u);
  EXPECT_EQ(out[3].header.timestamp, 100u);
}

TEST(TsToRtmp, TimestampsCrossThe33BitWrap) {
  const auto units = test::access_units(test::read_fixture("h264_160x120_aud.h264"), false);
  const int64_t start = (int64_t{1} << 33) - 2 * kFrame;
  TsToRtmp conv;
  std::vector<Message> out;
  for (size_t i = 0; i < units.size(); ++i) {
    const int64_t dts = (start + static_cast<int64_t>(i) * kFrame) & ((int64_t{1} << 33) - 1);
    const int64_t pts = (dts + kFrame) & ((int64_t{1} << 33) - 1);
    conv.push(video(EsCodec::kH264, units[i], dts, pts, i % 5 == 0), out);
  }
  ASSERT_EQ(out.size(), units.size() + 1);
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].header.timestamp, (i - 1) * 40);
    EXPECT_EQ(out[i].payload[4], 40);  // pts - dts across the wrap too
  }
}

TEST(TsToRtmp, JunkAndTruncatedAdtsAreDroppedAndCounted) {
  const auto frames = test::adts_frames(test::read_fixture("aac_48k_stereo.adts"));
  Bytes pes = {0x12, 0x34, 0x56};  // junk before the first sync word
  pes.insert(pes.end(), frames[0].begin(), frames[0].end());
  pes.insert(pes.end(), frames[1].begin(), frames[1].begin() + 20);  // cut short
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(audio(EsCodec::kAac, pes, kStart), out);
  ASSERT_EQ(out.size(), 2u);  // config + the one whole frame
  EXPECT_EQ(conv.stats().audio_frames, 1u);
  EXPECT_EQ(conv.stats().audio_dropped, 2u);
  EXPECT_EQ(conv.last_drop_reason(), "truncated ADTS frame");
  EXPECT_TRUE(conv.error().empty());  // something usable came out
}

TEST(TsToRtmp, VideoWithoutStartCodesIsDropped) {
  TsToRtmp conv;
  std::vector<Message> out;
  const Bytes junk = {0x65, 0x88, 0x84, 0x21};
  conv.push(video(EsCodec::kH264, junk, kStart, kStart, true), out);
  conv.push(video(EsCodec::kH265, Bytes{}, kStart, kStart, true), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.stats().video_dropped, 2u);
  EXPECT_EQ(conv.error(), "video packet without an Annex-B start code");
}

}  // namespace
}  // namespace rtmp::media

namespace rtmp::media {
namespace {

const Bytes kOpusFrame = {0xfc, 0x11, 0x22, 0x33};  // CELT 20 ms stereo, one frame

TEST(TsToRtmp, OpusBecomesEnhancedRtmpOpusWithItsHead) {
  const Bytes head = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  TsToRtmp conv;
  std::vector<Message> out;
  for (int i = 0; i < 3; ++i) {
    conv.push(audio(EsCodec::kOpus, kOpusFrame, kStart + i * 1800, head), out);
  }
  ASSERT_EQ(out.size(), 4u);
  const AudioPacket config = parse_audio_packet(out[0].payload);
  EXPECT_TRUE(config.tag.valid && config.tag.enhanced && config.tag.sequence_header);
  EXPECT_EQ(config.tag.codec, "Opus");
  EXPECT_EQ(Bytes(config.body.begin(), config.body.end()), head);
  const auto detected = describe_audio(out[0].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->codec, "Opus");
  EXPECT_EQ(detected->channels, 2u);
  EXPECT_EQ(detected->sample_rate, 48000u);
  for (size_t i = 1; i < out.size(); ++i) {
    expect_rtmp_header(out[i], MessageType::kAudio, static_cast<uint32_t>((i - 1) * 20));
    const AudioPacket packet = parse_audio_packet(out[i].payload);
    EXPECT_TRUE(packet.tag.valid);
    EXPECT_EQ(packet.packet_type, AudioPacketType::kCodedFrames);
    EXPECT_EQ(Bytes(packet.body.begin(), packet.body.end()), kOpusFrame);
  }
}

TEST(TsToRtmp, OpusInTsFramingWithoutExtradata) {
  Bytes pes;
  for (int i = 0; i < 3; ++i) {
    pes.insert(pes.end(), {0x7f, 0xe0, static_cast<uint8_t>(kOpusFrame.size())});
    pes.insert(pes.end(), kOpusFrame.begin(), kOpusFrame.end());
  }
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(audio(EsCodec::kOpus, pes, kStart), out);
  ASSERT_EQ(out.size(), 4u);
  const auto detected = describe_audio(out[0].payload);
  ASSERT_TRUE(detected);
  EXPECT_EQ(detected->channels, 2u);  // from the TOC's stereo flag
  EXPECT_EQ(out[3].header.timestamp, 40u);
  EXPECT_EQ(conv.stats().audio_frames, 3u);
}

TEST(TsToRtmp, BrokenOpusIsDropped) {
  TsToRtmp conv;
  std::vector<Message> out;
  conv.push(audio(EsCodec::kOpus, Bytes{0x7f, 0xe0, 9, 0xfc}, kStart), out);
  conv.push(audio(EsCodec::kOpus, Bytes{}, kStart + 1800), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(conv.stats().audio_dropped, 2u);
  EXPECT_FALSE(conv.error().empty());
}

}  // namespace
}  // namespace rtmp::media
