// Audio tag headers: legacy formats and their fixed or header-given rates,
// AAC packet types, Enhanced RTMP packet types, ModEx and multitrack.
#include "ingest/media/flv_audio.hpp"

#include <gtest/gtest.h>

#include "tests/media/fixtures.hpp"

namespace rtmp::media {
namespace {

using test::Bytes;
using test::concat;
using test::fourcc;

TEST(FlvAudio, LegacyFormatsAndRates) {
  struct Case {
    uint8_t byte;
    const char* codec;
    uint32_t rate;
    uint32_t channels;
  };
  for (const Case& c :
       {Case{0x2f, "MP3", 44100, 2}, Case{0x2a, "MP3", 22050, 1}, Case{0x06, "PCM", 11025, 1},
        Case{0x33, "PCM", 5512, 2}, Case{0x1b, "ADPCM", 22050, 2}, Case{0x72, "G711A", 8000, 1},
        Case{0x82, "G711U", 8000, 1}, Case{0xb6, "Speex", 16000, 1}, Case{0xe2, "MP3", 8000, 1},
        Case{0x4e, "Nellymoser", 16000, 1}, Case{0x6e, "Nellymoser", 44100, 1}}) {
    const AudioPacket p = parse_audio_packet(Bytes{c.byte, 0x00});
    EXPECT_TRUE(p.tag.valid) << int(c.byte);
    EXPECT_EQ(p.tag.codec, c.codec) << int(c.byte);
    EXPECT_EQ(p.tag.sample_rate, c.rate) << int(c.byte);
    EXPECT_EQ(p.tag.channels, c.channels) << int(c.byte);
    EXPECT_EQ(p.body.size(), 1u);
  }
  const AudioPacket reserved = parse_audio_packet(Bytes{0xc2, 0x00});
  EXPECT_TRUE(reserved.tag.valid);
  EXPECT_EQ(reserved.tag.codec, "");
}

TEST(FlvAudio, AacPacketTypes) {
  const AudioPacket seq = parse_audio_packet(Bytes{0xaf, 0x00, 0x11, 0x90});
  EXPECT_TRUE(seq.tag.sequence_header);
  EXPECT_EQ(seq.packet_type, AudioPacketType::kSequenceStart);
  EXPECT_EQ(seq.body.size(), 2u);
  const AudioPacket raw = parse_audio_packet(Bytes{0xaf, 0x01, 0x21});
  EXPECT_FALSE(raw.tag.sequence_header);
  EXPECT_EQ(raw.packet_type, AudioPacketType::kCodedFrames);
  EXPECT_FALSE(parse_audio_packet(Bytes{0xaf, 0x02}).tag.valid);
}

TEST(FlvAudio, EnhancedPacketTypes) {
  const AudioPacket end = parse_audio_packet(concat({{0x92}, fourcc("Opus")}));
  EXPECT_TRUE(end.tag.valid);
  EXPECT_TRUE(end.tag.enhanced);
  EXPECT_EQ(end.packet_type, AudioPacketType::kSequenceEnd);
  EXPECT_FALSE(end.tag.sample_rate);
  const AudioPacket multichannel = parse_audio_packet(concat({{0x94}, fourcc("Opus"), {1, 2}}));
  EXPECT_TRUE(multichannel.tag.valid);
  EXPECT_EQ(multichannel.packet_type, AudioPacketType::kMultichannelConfig);
  EXPECT_FALSE(parse_audio_packet(concat({{0x93}, fourcc("Opus")})).tag.valid);  // reserved
  EXPECT_FALSE(parse_audio_packet(Bytes{0x90, 'O', 'p'}).tag.valid);
  EXPECT_EQ(parse_audio_packet(concat({{0x91}, fourcc("ec-3"), {0}})).tag.codec, "EAC3");
}

TEST(FlvAudio, ModExAndMultitrack) {
  const AudioPacket modex =
      parse_audio_packet(concat({{0x97, 0x00, 0x55, 0x01}, fourcc("fLaC"), {0xaa}}));
  EXPECT_TRUE(modex.tag.valid);
  EXPECT_EQ(modex.tag.codec, "FLAC");
  EXPECT_EQ(modex.packet_type, AudioPacketType::kCodedFrames);
  const AudioPacket many = parse_audio_packet(
      concat({{0x95, 0x21}, fourcc("ac-3"), {0x00, 0x00, 0x00, 0x01, 0x0b}, fourcc("Opus")}));
  EXPECT_TRUE(many.tag.valid);
  EXPECT_EQ(many.tag.codec, "AC3");
  EXPECT_EQ(many.body.size(), 1u);
  EXPECT_FALSE(parse_audio_packet(Bytes{0x95, 0x40}).tag.valid);
}

}  // namespace
}  // namespace rtmp::media
