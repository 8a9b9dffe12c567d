#include "ingest/server/publish_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/events/recording_sink.hpp"
#include "ingest/media/ts_to_rtmp.hpp"
#include "ingest/registry/stream_registry.hpp"
#include "tests/media/es_fixtures.hpp"

namespace rtmp::server {
namespace {

std::vector<uint8_t> amf_string(const std::string& s) {
  std::vector<uint8_t> out{0x02, static_cast<uint8_t>(s.size() >> 8),
                           static_cast<uint8_t>(s.size())};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

protocol::Message data_message(const std::string& name, uint32_t timestamp) {
  protocol::Message m;
  m.header.type_id = static_cast<uint8_t>(protocol::MessageType::kDataAmf0);
  m.header.timestamp = timestamp;
  m.header.stream_id = 1;
  m.payload = amf_string(name);
  m.payload.push_back(0x05);  // null: no properties
  m.header.length = static_cast<uint32_t>(m.payload.size());
  return m;
}

class PublishStateTest : public ::testing::Test {
 protected:
  events::RecordingSink sink;
  registry::StreamRegistry registry{sink, registry::StreamLimits{}};
  PublishState state{registry.publish("live/a", "c1", {}), 1, "a"};
  std::vector<events::CodecDetected> detected;
};

TEST_F(PublishStateTest, MetadataGoesToPlayersAtTimestampZero) {
  // An encoder resending onMetaData mid-stream (GStreamer's flvmux does,
  // every second) stamps it with the media time; players get it at 0.
  for (uint32_t ts : {0u, 1000u, 2000u}) {
    auto m = state.ingest(data_message("onMetaData", ts), 4096, detected);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->sequence_header) << ts;  // still the stream's description, cached
    EXPECT_EQ(m->header.timestamp, 0u) << ts;
  }
}

// Other data (cue points, text, captions, and @clearDataFrame, which is meant
// for the server) is counted in total_bytes and not passed on, as nginx-rtmp
// does: ffmpeg players log each as an unimplemented packet.
TEST_F(PublishStateTest, OtherDataIsCountedAndNotForwarded) {
  uint64_t bytes = 0;
  for (const char* name : {"onCuePoint", "onTextData", "onCaptionInfo", "@clearDataFrame"}) {
    auto msg = data_message(name, 1500);
    bytes += msg.payload.size();
    EXPECT_EQ(state.ingest(std::move(msg), 4096, detected), nullptr) << name;
  }
  EXPECT_EQ(state.role().stats().total_bytes, bytes);
}

// What SRT ingest's converter makes of MPEG-TS elementary streams goes down
// the RTMP publisher path as an RTMP publisher's messages do: codec_detected
// from the sequence headers, frames counted, configs cached, keyframes marked.
TEST_F(PublishStateTest, ConvertedTsIsAnRtmpPublish) {
  using media::EsCodec;
  const auto units =
      media::test::access_units(media::test::read_fixture("hevc_160x120_aud.hevc"), true);
  const auto aac = media::test::read_fixture("aac_48k_stereo.adts");
  media::TsToRtmp conv;
  std::vector<protocol::Message> out;
  conv.push({.codec = EsCodec::kAac,
             .pts = 900000,
             .dts = 900000,
             .keyframe = false,
             .data = aac,
             .extradata = {}},
            out);
  for (size_t i = 0; i < units.size(); ++i) {
    const int64_t dts = 900000 + static_cast<int64_t>(i) * 3600;
    conv.push({.codec = EsCodec::kH265,
               .pts = dts + 7200,
               .dts = dts,
               .keyframe = i % 5 == 0,
               .data = units[i],
               .extradata = {}},
              out);
  }
  size_t configs = 0, keyframes = 0;
  for (auto& m : out) {
    auto media = state.ingest(std::move(m), 4096, detected);
    ASSERT_NE(media, nullptr);
    configs += media->sequence_header;
    keyframes += media->keyframe;
  }
  EXPECT_EQ(configs, 2u);
  EXPECT_EQ(keyframes, 2u);
  const auto& stats = state.role().stats();
  EXPECT_EQ(stats.video_packets, units.size());
  EXPECT_EQ(stats.audio_packets, conv.stats().audio_frames);
  EXPECT_EQ(stats.video_codec, "H265");
  EXPECT_EQ(stats.audio_codec, "AAC");
  ASSERT_EQ(detected.size(), 2u);
  EXPECT_EQ(detected[0].codec, "AAC");
  EXPECT_EQ(detected[0].sample_rate, 48000u);
  EXPECT_EQ(detected[1].codec, "H265");
  EXPECT_EQ(detected[1].width, 160u);
  EXPECT_EQ(detected[1].height, 120u);
  EXPECT_EQ(detected[1].profile, "Main");
}

protocol::Message media_message(protocol::MessageType type, uint32_t timestamp,
                                std::vector<uint8_t> payload) {
  protocol::Message m;
  m.header.type_id = static_cast<uint8_t>(type);
  m.header.timestamp = timestamp;
  m.header.stream_id = 1;
  m.payload = std::move(payload);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  return m;
}

// Enhanced RTMP packets that carry no frame (HDR metadata, end of sequence)
// are neither counted nor keyframes, whatever their frame type says: a late
// player must start at a real keyframe.
TEST_F(PublishStateTest, OnlyCodedFramesCountAndStartAGop) {
  using media::test::concat;
  using media::test::fourcc;
  using protocol::MessageType;
  const auto video = [&](std::vector<uint8_t> p) {
    return state.ingest(media_message(MessageType::kVideo, 40, std::move(p)), 4096, detected);
  };
  const auto audio = [&](std::vector<uint8_t> p) {
    return state.ingest(media_message(MessageType::kAudio, 40, std::move(p)), 4096, detected);
  };
  auto key = video(concat({{0x91}, fourcc("hvc1"), {0, 0, 0, 0x26, 0x01}}));  // coded, key
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->keyframe);
  auto hdr = video(concat({{0x94}, fourcc("hvc1"), {0x02, 0x00, 0x09}}));  // metadata, "key"
  ASSERT_NE(hdr, nullptr);
  EXPECT_FALSE(hdr->keyframe);
  auto end = video(concat({{0x92}, fourcc("hvc1")}));  // end of sequence, "key"
  ASSERT_NE(end, nullptr);
  EXPECT_FALSE(end->keyframe);
  ASSERT_NE(audio(concat({{0x91}, fourcc("Opus"), {0xfc, 0x01}})), nullptr);
  ASSERT_NE(audio(concat({{0x92}, fourcc("Opus")})), nullptr);  // end of sequence
  const auto& stats = state.role().stats();
  EXPECT_EQ(stats.video_packets, 1u);
  EXPECT_EQ(stats.audio_packets, 1u);
}

// Enhanced RTMP multitrack: a track other than 0 is carried (its configuration
// marked, its track known) but its keyframes start no GOP and its codec is not
// the stream's.
TEST_F(PublishStateTest, OtherTracksPassThrough) {
  using media::test::concat;
  using media::test::fourcc;
  const auto video = [&](std::vector<uint8_t> p) {
    return state.ingest(media_message(protocol::MessageType::kVideo, 40, std::move(p)), 4096,
                        detected);
  };
  auto key0 = video(concat({{0x91}, fourcc("hvc1"), {0, 0, 0, 0x26, 0x01}}));
  ASSERT_NE(key0, nullptr);
  EXPECT_TRUE(key0->keyframe);
  EXPECT_EQ(key0->track, 0u);
  // OneTrack multitrack packets of track 1: a sequence start, then a key frame.
  auto cfg1 = video(concat({{0x96, 0x00}, fourcc("av01"), {0x01}, {0x81, 0x00, 0x0c, 0x00}}));
  ASSERT_NE(cfg1, nullptr);
  EXPECT_TRUE(cfg1->sequence_header);
  EXPECT_EQ(cfg1->track, 1u);
  auto key1 = video(concat({{0x96, 0x01}, fourcc("av01"), {0x01}, {0x12, 0x00}}));
  ASSERT_NE(key1, nullptr);
  EXPECT_FALSE(key1->keyframe);
  EXPECT_EQ(key1->track, 1u);
  EXPECT_EQ(state.role().stats().video_codec, "H265");
}

}  // namespace
}  // namespace rtmp::server
