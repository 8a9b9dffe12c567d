// codec_info on bad input: empty, unknown, truncated at every length, every
// byte flipped. Never a crash (the ASan/UBSan build makes this meaningful),
// and cut sequence headers give no figures.
#include <gtest/gtest.h>

#include "ingest/media/codec_info.hpp"
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
bool is_seq_header(const test::FlvTag& tag) {
  return tag.body.size() > 1 && tag.body[1] == 0;
}
Bytes hvcc() {
  return test::mp4_box(test::read_fixture("hevc_main_640x360_25.mp4"), "hvcC");
}

TEST(CodecInfo, EmptyAndUnknown) {
  EXPECT_FALSE(inspect_video({}).valid);
  EXPECT_FALSE(inspect_audio({}).valid);
  EXPECT_FALSE(describe_video({}));
  EXPECT_FALSE(describe_audio({}));
  EXPECT_FALSE(inspect_video(Bytes{0x17}).valid);        // AVC without packet type
  EXPECT_FALSE(inspect_audio(Bytes{0xaf}).valid);        // AAC without packet type
  EXPECT_FALSE(inspect_video(Bytes{0x90, 'h'}).valid);   // FourCC cut short
  EXPECT_FALSE(inspect_video(Bytes{0x07, 0x00}).valid);  // frame type 0
  const VideoTag unknown = inspect_video(concat({{0x91}, fourcc("xyz1"), {1, 2}}));
  EXPECT_TRUE(unknown.valid);
  EXPECT_EQ(unknown.codec, "");
  EXPECT_FALSE(describe_video(concat({{0x91}, fourcc("xyz1"), {1, 2}})));
}

// Every real payload above, cut at every length and with every single byte
// flipped: never a crash (ASan/UBSan builds make this meaningful).
std::vector<Bytes> real_payloads() {
  std::vector<Bytes> out;
  for (const char* name : {"h264_720p30_aac48k.flv", "h264_baseline_640x360_aac44k_mono.flv",
                           "h264_high10_320x240.flv", "h264_high444_320x240.flv",
                           "mp3_44k_mono.flv", "speex_16k.flv"}) {
    for (const auto& tag : flv(name)) {
      if (tag.type == kAudio || tag.type == kVideo) {
        out.emplace_back(tag.body.begin(),
                         tag.body.begin() + std::min<size_t>(tag.body.size(), 600));
      }
    }
  }
  out.push_back(concat({{0x90}, fourcc("hvc1"), hvcc()}));
  out.push_back(concat({{0x90},
                        fourcc("hvc1"),
                        test::mp4_box(test::read_fixture("hevc_main10_640x360.mp4"), "hvcC")}));
  out.push_back(concat(
      {{0x90}, fourcc("av01"), test::mp4_box(test::read_fixture("av1_320x240.mp4"), "av1C")}));
  out.push_back(concat(
      {{0x90}, fourcc("vp09"), test::mp4_box(test::read_fixture("vp9_320x240.mp4"), "vpcC")}));
  out.push_back(
      concat({{0x90},
              fourcc("Opus"),
              test::slice_from(test::read_fixture("opus_48k_stereo.opus"), "OpusHead", 19)}));
  const Bytes flac = test::read_fixture("flac_44k_stereo.flac");
  out.push_back(concat({{0x90}, fourcc("fLaC"), Bytes(flac.begin(), flac.begin() + 42)}));
  out.push_back(concat({{0x91}, fourcc("ac-3"), test::read_fixture("ac3_48k_stereo.ac3")}));
  out.push_back(concat({{0x91}, fourcc("ec-3"), test::read_fixture("eac3_48k_5_1.eac3")}));
  return out;
}

TEST(CodecInfo, TruncatedAtEveryLengthNeverCrashes) {
  for (const Bytes& payload : real_payloads()) {
    for (size_t len = 0; len <= payload.size(); ++len) {
      const std::span<const uint8_t> cut(payload.data(), len);
      (void)inspect_video(cut);
      (void)inspect_audio(cut);
      (void)describe_video(cut, 30.0);
      (void)describe_audio(cut);
    }
  }
}

TEST(CodecInfo, TruncatedSequenceHeadersAreRejected) {
  const auto seq = test::first_tag(flv("h264_720p30_aac48k.flv"), kVideo, is_seq_header);
  // Cut inside the SPS (record header 5 + 6 bytes + a few SPS bytes): no figures.
  for (size_t len = 0; len < 5 + 8 + 4; ++len) {
    EXPECT_FALSE(describe_video(std::span<const uint8_t>(seq.body.data(), len))) << len;
  }
}

TEST(CodecInfo, BitFlipsNeverCrash) {
  for (Bytes payload : real_payloads()) {
    for (size_t i = 0; i < payload.size(); ++i) {
      for (const uint8_t mask : {0x01, 0x80, 0xff}) {
        payload[i] ^= mask;
        (void)describe_video(payload);
        (void)describe_audio(payload);
        payload[i] ^= mask;
      }
    }
  }
}

}  // namespace
}  // namespace rtmp::media
