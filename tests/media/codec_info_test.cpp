// codec_info: real ffmpeg-made streams (legacy FLV tags, and Enhanced RTMP
// tags assembled from real codec configuration), exact figures, and inputs cut
// at every length.
#include "ingest/media/codec_info.hpp"
#include "ingest/media/h264_sps.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;
using test::concat;
using test::fourcc;

constexpr uint8_t kAudio = 8;
constexpr uint8_t kVideo = 9;

std::vector<test::FlvTag> flv(const std::string& name) {
  return test::read_flv_tags(test::read_fixture(name));
}
bool any(const test::FlvTag&) {
  return true;
}
bool is_seq_header(const test::FlvTag& tag) {
  return tag.body.size() > 1 && tag.body[1] == 0;
}
bool is_frame(const test::FlvTag& tag) {
  return tag.body.size() > 1 && tag.body[1] == 1;
}

Bytes hvcc() {
  return test::mp4_box(test::read_fixture("hevc_main_640x360_25.mp4"), "hvcC");
}

TEST(CodecInfo, H264HighSequenceHeader720p30) {
  const auto tags = flv("h264_720p30_aac48k.flv");
  const auto seq = test::first_tag(tags, kVideo, is_seq_header);
  const VideoTag tag = inspect_video(seq.body);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "H264");
  EXPECT_FALSE(tag.enhanced);
  EXPECT_TRUE(tag.sequence_header);
  EXPECT_TRUE(tag.keyframe);
  const auto info = describe_video(seq.body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media, "video");
  EXPECT_EQ(info->codec, "H264");
  EXPECT_EQ(info->width, 1280u);
  EXPECT_EQ(info->height, 720u);
  ASSERT_TRUE(info->fps);
  EXPECT_DOUBLE_EQ(*info->fps, 30.0);
  EXPECT_EQ(info->profile, "High");
  EXPECT_EQ(info->level, "3.1");
}

TEST(CodecInfo, H264FramesAreKeyOrInterAndDescribeNothing) {
  const auto tags = flv("h264_720p30_aac48k.flv");
  int keyframes = 0, frames = 0;
  for (const auto& t : tags) {
    if (t.type != kVideo || !is_frame(t)) continue;
    const VideoTag tag = inspect_video(t.body);
    EXPECT_TRUE(tag.valid);
    EXPECT_EQ(tag.codec, "H264");
    EXPECT_FALSE(tag.sequence_header);
    keyframes += tag.keyframe;
    ++frames;
    EXPECT_FALSE(describe_video(t.body));
  }
  EXPECT_EQ(frames, 3);
  EXPECT_EQ(keyframes, 1);
}

TEST(CodecInfo, H264BaselineWithCroppingAndFpsHint) {
  const auto tags = flv("h264_baseline_640x360_aac44k_mono.flv");
  const auto seq = test::first_tag(tags, kVideo, is_seq_header);
  const auto info = describe_video(seq.body, 99.0);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 360u);
  EXPECT_EQ(info->profile, "Constrained Baseline");
  EXPECT_EQ(info->level, "3");
  ASSERT_TRUE(info->fps);
  EXPECT_DOUBLE_EQ(*info->fps, 25.0);  // the bitstream wins over the hint
}

TEST(CodecInfo, FpsHintFillsMissingTiming) {
  // AV1 config without timing info: the onMetaData framerate is used.
  const Bytes av1c = test::mp4_box(test::read_fixture("av1_320x240.mp4"), "av1C");
  const Bytes payload = concat({{0x90}, fourcc("av01"), av1c});
  const auto bare = describe_video(payload);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->fps);
  const auto hinted = describe_video(payload, 29.97);
  ASSERT_TRUE(hinted && hinted->fps);
  EXPECT_DOUBLE_EQ(*hinted->fps, 29.97);
  // An NTSC ratio is given to three decimals.
  const auto ntsc = describe_video(payload, 30000.0 / 1001.0);
  ASSERT_TRUE(ntsc && ntsc->fps);
  EXPECT_DOUBLE_EQ(*ntsc->fps, 29.97);
  const auto film = describe_video(payload, 24000.0 / 1001.0);
  ASSERT_TRUE(film && film->fps);
  EXPECT_DOUBLE_EQ(*film->fps, 23.976);
  const auto nonsense = describe_video(payload, -1.0);
  ASSERT_TRUE(nonsense);
  EXPECT_FALSE(nonsense->fps);
}

TEST(CodecInfo, H264High10AndHigh444) {
  const auto high10 =
      describe_video(test::first_tag(flv("h264_high10_320x240.flv"), kVideo, is_seq_header).body);
  ASSERT_TRUE(high10);
  EXPECT_EQ(high10->profile, "High 10");
  EXPECT_EQ(high10->width, 320u);
  EXPECT_EQ(high10->height, 240u);
  EXPECT_DOUBLE_EQ(high10->fps.value_or(0), 24.0);
  const auto high444 =
      describe_video(test::first_tag(flv("h264_high444_320x240.flv"), kVideo, is_seq_header).body);
  ASSERT_TRUE(high444);
  EXPECT_EQ(high444->profile, "High 4:4:4 Predictive");
  EXPECT_EQ(high444->width, 320u);
  EXPECT_EQ(high444->height, 240u);
}

TEST(CodecInfo, AacLc48kStereo) {
  const auto tags = flv("h264_720p30_aac48k.flv");
  const auto seq = test::first_tag(tags, kAudio, is_seq_header);
  const AudioTag tag = inspect_audio(seq.body);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "AAC");
  EXPECT_TRUE(tag.sequence_header);
  EXPECT_EQ(tag.sample_rate, 44100u);  // what the legacy header byte says for AAC
  const auto info = describe_audio(seq.body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media, "audio");
  EXPECT_EQ(info->codec, "AAC");
  EXPECT_EQ(info->sample_rate, 48000u);
  EXPECT_EQ(info->channels, 2u);
  EXPECT_EQ(info->profile, "LC");
  const auto frame = test::first_tag(tags, kAudio, is_frame);
  EXPECT_FALSE(inspect_audio(frame.body).sequence_header);
  EXPECT_FALSE(describe_audio(frame.body));
}

TEST(CodecInfo, AacLc44kMono) {
  const auto seq =
      test::first_tag(flv("h264_baseline_640x360_aac44k_mono.flv"), kAudio, is_seq_header);
  const auto info = describe_audio(seq.body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_rate, 44100u);
  EXPECT_EQ(info->channels, 1u);
}

TEST(CodecInfo, Mp3FromFrameHeader) {
  const auto frame = test::first_tag(flv("mp3_44k_mono.flv"), kAudio, any);
  const AudioTag tag = inspect_audio(frame.body);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "MP3");
  EXPECT_FALSE(tag.sequence_header);
  const auto info = describe_audio(frame.body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "MP3");
  EXPECT_EQ(info->sample_rate, 44100u);
  EXPECT_EQ(info->channels, 1u);
}

TEST(CodecInfo, Speex) {
  const auto frame = test::first_tag(flv("speex_16k.flv"), kAudio, any);
  const auto info = describe_audio(frame.body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "Speex");
  EXPECT_EQ(info->sample_rate, 16000u);
  EXPECT_EQ(info->channels, 1u);
}

TEST(CodecInfo, LegacyHevcCodecId12) {
  const Bytes payload = concat({{0x1c, 0x00, 0x00, 0x00, 0x00}, hvcc()});
  const VideoTag tag = inspect_video(payload);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "H265");
  EXPECT_TRUE(tag.sequence_header);
  const auto info = describe_video(payload);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "H265");
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 360u);
  EXPECT_EQ(info->profile, "Main");
  EXPECT_EQ(info->level, "2.1");
  EXPECT_DOUBLE_EQ(info->fps.value_or(0), 25.0);
}

TEST(CodecInfo, EnhancedHevcSequenceStartAndFrames) {
  const Bytes seq = concat({{0x90}, fourcc("hvc1"), hvcc()});
  const VideoTag tag = inspect_video(seq);
  EXPECT_TRUE(tag.valid);
  EXPECT_TRUE(tag.enhanced);
  EXPECT_EQ(tag.codec, "H265");
  EXPECT_TRUE(tag.sequence_header);
  const auto info = describe_video(seq);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 360u);

  const VideoTag inter = inspect_video(concat({{0xa1}, fourcc("hvc1"), {0, 0, 0, 0, 0, 0, 1}}));
  EXPECT_TRUE(inter.valid);
  EXPECT_FALSE(inter.keyframe);
  EXPECT_FALSE(inter.sequence_header);
  const VideoTag key_x = inspect_video(concat({{0x93}, fourcc("hvc1"), {0, 0, 0, 1}}));
  EXPECT_TRUE(key_x.valid);
  EXPECT_TRUE(key_x.keyframe);
  const VideoTag end = inspect_video(concat({{0x92}, fourcc("hvc1")}));
  EXPECT_TRUE(end.valid);
  EXPECT_TRUE(end.end_of_sequence);
}

TEST(CodecInfo, EnhancedHevcMain10) {
  const Bytes record = test::mp4_box(test::read_fixture("hevc_main10_640x360.mp4"), "hvcC");
  const auto info = describe_video(concat({{0x90}, fourcc("hvc1"), record}));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->profile, "Main 10");
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 360u);
}

TEST(CodecInfo, EnhancedAvc) {
  const auto seq = test::first_tag(flv("h264_720p30_aac48k.flv"), kVideo, is_seq_header);
  const Bytes avcc(seq.body.begin() + 5, seq.body.end());
  const auto info = describe_video(concat({{0x90}, fourcc("avc1"), avcc}));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "H264");
  EXPECT_EQ(info->width, 1280u);
  EXPECT_EQ(info->height, 720u);
}

TEST(CodecInfo, EnhancedAv1) {
  const Bytes av1c = test::mp4_box(test::read_fixture("av1_320x240.mp4"), "av1C");
  const Bytes seq = concat({{0x90}, fourcc("av01"), av1c});
  EXPECT_EQ(inspect_video(seq).codec, "AV1");
  const auto info = describe_video(seq);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "AV1");
  EXPECT_EQ(info->profile, "Main");
  EXPECT_EQ(info->width, 320u);
  EXPECT_EQ(info->height, 240u);
  // Coded frames carry no composition time and describe nothing.
  const Bytes frame = concat({{0x91}, fourcc("av01"), {0x12, 0x00}});
  EXPECT_TRUE(inspect_video(frame).valid);
  EXPECT_FALSE(describe_video(frame));
}

TEST(CodecInfo, EnhancedVp9WithAndWithoutFullBoxHeader) {
  const Bytes vpcc = test::mp4_box(test::read_fixture("vp9_320x240.mp4"), "vpcC");
  for (const Bytes& record : {vpcc, Bytes(vpcc.begin() + 4, vpcc.end())}) {
    const auto info = describe_video(concat({{0x90}, fourcc("vp09"), record}));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->codec, "VP9");
    EXPECT_EQ(info->profile, "Profile 0");
  }
}

TEST(CodecInfo, EnhancedVp8KeyFrame) {
  const Bytes ivf = test::read_fixture("vp8_320x240.ivf");
  const Bytes frame(ivf.begin() + 32 + 12, ivf.end());  // IVF header, frame header
  const Bytes payload = concat({{0x91}, fourcc("vp08"), frame});
  const VideoTag tag = inspect_video(payload);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "VP8");
  EXPECT_TRUE(tag.keyframe);
  const auto info = describe_video(payload);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 320u);
  EXPECT_EQ(info->height, 240u);
}

TEST(CodecInfo, EnhancedMultitrackReportsFirstTrack) {
  // OneTrack: no per-track size.
  const Bytes one = concat({{0x96, 0x00}, fourcc("hvc1"), {0x00}, hvcc()});
  const auto info = describe_video(one);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "H265");
  EXPECT_EQ(info->width, 640u);
  // ManyTracksManyCodecs: FourCC and size per track.
  const Bytes record = hvcc();
  const uint32_t n = static_cast<uint32_t>(record.size());
  const Bytes many = concat({{0x96, 0x20},
                             fourcc("hvc1"),
                             {0x00, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)},
                             record,
                             fourcc("av01"),
                             {0x01, 0x00, 0x00, 0x01, 0x00}});
  const VideoTag tag = inspect_video(many);
  EXPECT_TRUE(tag.valid);
  EXPECT_EQ(tag.codec, "H265");
  const auto many_info = describe_video(many);
  ASSERT_TRUE(many_info);
  EXPECT_EQ(many_info->height, 360u);
}

TEST(CodecInfo, EnhancedModExPrefixIsSkipped) {
  // ModEx with 3 bytes of data (TimestampOffsetNano), then SequenceStart.
  const Bytes payload = concat({{0x97, 0x02, 0x00, 0x00, 0x10, 0x00}, fourcc("hvc1"), hvcc()});
  const auto info = describe_video(payload);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "H265");
  EXPECT_EQ(info->width, 640u);
}

TEST(CodecInfo, CommandFrames) {
  const VideoTag legacy = inspect_video(Bytes{0x57, 0x00});
  EXPECT_TRUE(legacy.valid);
  EXPECT_TRUE(legacy.command_frame);
  EXPECT_EQ(legacy.codec, "H264");
  EXPECT_FALSE(describe_video(Bytes{0x57, 0x00}));
  const VideoTag enhanced = inspect_video(Bytes{0xd1, 0x01});
  EXPECT_TRUE(enhanced.valid);
  EXPECT_TRUE(enhanced.command_frame);
}

TEST(CodecInfo, EnhancedOpus) {
  const Bytes head = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  const Bytes seq = concat({{0x90}, fourcc("Opus"), head});
  const AudioTag tag = inspect_audio(seq);
  EXPECT_TRUE(tag.valid);
  EXPECT_TRUE(tag.enhanced);
  EXPECT_TRUE(tag.sequence_header);
  EXPECT_EQ(tag.codec, "Opus");
  const auto info = describe_audio(seq);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "Opus");
  EXPECT_EQ(info->sample_rate, 48000u);
  EXPECT_EQ(info->channels, 2u);
  EXPECT_FALSE(describe_audio(concat({{0x91}, fourcc("Opus"), {0xfc}})));
}

TEST(CodecInfo, EnhancedFlac) {
  const Bytes flac = test::read_fixture("flac_44k_stereo.flac");
  const Bytes seq = concat({{0x90}, fourcc("fLaC"), Bytes(flac.begin(), flac.begin() + 42)});
  const auto info = describe_audio(seq);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "FLAC");
  EXPECT_EQ(info->sample_rate, 44100u);
  EXPECT_EQ(info->channels, 2u);
}

TEST(CodecInfo, EnhancedAc3AndEac3) {
  const auto ac3 =
      describe_audio(concat({{0x91}, fourcc("ac-3"), test::read_fixture("ac3_48k_stereo.ac3")}));
  ASSERT_TRUE(ac3);
  EXPECT_EQ(ac3->codec, "AC3");
  EXPECT_EQ(ac3->sample_rate, 48000u);
  EXPECT_EQ(ac3->channels, 2u);
  const auto eac3 =
      describe_audio(concat({{0x91}, fourcc("ec-3"), test::read_fixture("eac3_48k_5_1.eac3")}));
  ASSERT_TRUE(eac3);
  EXPECT_EQ(eac3->codec, "EAC3");
  EXPECT_EQ(eac3->sample_rate, 48000u);
  EXPECT_EQ(eac3->channels, 6u);
}

TEST(CodecInfo, EnhancedMp4aAndMp3) {
  const auto seq = test::first_tag(flv("h264_720p30_aac48k.flv"), kAudio, is_seq_header);
  const Bytes asc(seq.body.begin() + 2, seq.body.end());
  const auto aac = describe_audio(concat({{0x90}, fourcc("mp4a"), asc}));
  ASSERT_TRUE(aac);
  EXPECT_EQ(aac->codec, "AAC");
  EXPECT_EQ(aac->sample_rate, 48000u);
  const auto mp3_tag = test::first_tag(flv("mp3_44k_mono.flv"), kAudio, any);
  const Bytes frame(mp3_tag.body.begin() + 1, mp3_tag.body.end());
  const auto mp3 = describe_audio(concat({{0x91}, fourcc(".mp3"), frame}));
  ASSERT_TRUE(mp3);
  EXPECT_EQ(mp3->codec, "MP3");
  EXPECT_EQ(mp3->sample_rate, 44100u);
  EXPECT_EQ(mp3->channels, 1u);
}

TEST(CodecInfo, EnhancedAudioMultitrack) {
  const Bytes head = test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19);
  const Bytes one = concat({{0x95, 0x00}, fourcc("Opus"), {0x00}, head});
  const auto info = describe_audio(one);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, "Opus");
  EXPECT_EQ(info->channels, 2u);
}

TEST(CodecInfo, H264ProfileNamesFollowTheConstraintFlags) {
  H264Sps sps;
  sps.profile_idc = 66;
  EXPECT_EQ(h264_profile_name(sps), "Baseline");
  sps.constraint_flags = 0x40;  // constraint_set1
  EXPECT_EQ(h264_profile_name(sps), "Constrained Baseline");
  sps.profile_idc = 110;
  EXPECT_EQ(h264_profile_name(sps), "High 10");
  sps.constraint_flags = 0x10;  // constraint_set3
  EXPECT_EQ(h264_profile_name(sps), "High 10 Intra");
  sps.profile_idc = 244;
  EXPECT_EQ(h264_profile_name(sps), "High 4:4:4 Intra");
  sps.constraint_flags = 0;
  EXPECT_EQ(h264_profile_name(sps), "High 4:4:4 Predictive");
}

}  // namespace
}  // namespace rtmp::media
