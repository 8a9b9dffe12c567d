// Recording driven message by message, as the recorder thread does, with
// tags from a real ffmpeg FLV (tests/media/data): files, names, events.
#include "ingest/record/recording.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "ingest/events/recording_sink.hpp"
#include "ingest/protocol/amf0.hpp"
#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::record {
namespace {

namespace fs = std::filesystem;
using media::test::Bytes;
using media::test::FlvTag;

struct Fixture {
  Bytes video_config, audio_config, keyframe, inter, audio;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const auto tags =
        media::test::read_flv_tags(media::test::read_fixture("h264_720p30_aac48k.flv"));
    Fixture out;
    auto pick = [&](uint8_t type, auto pred) {
      return media::test::first_tag(tags, type, pred).body;
    };
    out.video_config = pick(9, [](const FlvTag& t) { return t.body[0] == 0x17 && t.body[1] == 0; });
    out.keyframe = pick(9, [](const FlvTag& t) { return t.body[0] == 0x17 && t.body[1] == 1; });
    out.inter = pick(9, [](const FlvTag& t) { return t.body[0] == 0x27 && t.body[1] == 1; });
    out.audio_config = pick(8, [](const FlvTag& t) { return t.body[1] == 0; });
    out.audio = pick(8, [](const FlvTag& t) { return t.body[1] == 1; });
    return out;
  }();
  return f;
}

registry::MediaPtr msg(uint8_t type, uint32_t ts, const Bytes& body, bool key = false,
                       bool config = false) {
  return registry::make_media_message(type, ts, body, 4096, key, config);
}

registry::MediaPtr metadata() {
  Bytes b;
  amf0::encode(amf0::Value::String("onMetaData"), b);
  amf0::encode(amf0::Value::EcmaArray({{"videocodecid", amf0::Value::Number(7)},
                                       {"audiocodecid", amf0::Value::Number(10)}}),
               b);
  return msg(18, 0, b, false, true);
}

class RecordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("record_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RecordingConfig config(std::string format, int segment_ms, std::string pattern = "%s_seg%03d") {
    return RecordingConfig{dir_.string(), std::move(format), std::move(pattern),
                           std::chrono::milliseconds(segment_ms)};
  }

  // The segments' paths (segment_complete), each checked: on disk with the
  // size the event says, no .part left, and readable FLV holding video.
  std::vector<std::string> checked_segments() {
    std::vector<std::string> paths;
    for (const auto& e : sink_.events()) {
      const auto* seg = std::get_if<events::SegmentComplete>(&e.data);
      if (seg == nullptr) continue;
      paths.push_back(seg->path);
      EXPECT_TRUE(fs::exists(seg->path)) << seg->path;
      if (!fs::exists(seg->path)) continue;
      EXPECT_FALSE(fs::exists(seg->path + ".part")) << seg->path;
      EXPECT_EQ(fs::file_size(seg->path), seg->size) << seg->path;
      std::ifstream in(seg->path, std::ios::binary);
      const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      size_t video = 0;
      for (const auto& t : media::test::read_flv_tags(file)) video += t.type == 9 ? 1 : 0;
      EXPECT_GT(video, 30u) << seg->path;
    }
    return paths;
  }

  // `seconds` of 30 fps video (a keyframe every 2 s) and AAC every ~21 ms,
  // after a few frames that precede the first keyframe. Returns video frames
  // sent from the first keyframe on.
  int publish(Recording& rec, int seconds, uint32_t base = 1000) {
    const Fixture& f = fixture();
    rec.on_media(metadata());
    rec.on_media(msg(9, base, f.video_config, true, true));
    rec.on_media(msg(8, base, f.audio_config, false, true));
    rec.on_media(msg(8, base - 42, f.audio));  // with a frame never shown: not recorded
    rec.on_media(msg(9, base - 30, f.inter));  // before any keyframe: not recorded
    rec.on_media(msg(8, base - 21, f.audio));  // right before the keyframe: recorded
    rec.on_media(msg(8, base, f.audio));
    int video = 0;
    audio_sent_ = 2;  // the two right before the keyframe
    uint32_t audio_ts = base + 21;
    for (int i = 0; i < seconds * 30; ++i) {
      const uint32_t ts = base + static_cast<uint32_t>(i * 1000 / 30);
      while (audio_ts < ts) {
        rec.on_media(msg(8, audio_ts, f.audio));
        audio_ts += 21;
        ++audio_sent_;
      }
      const bool key = i % 60 == 0;
      rec.on_media(msg(9, ts, key ? f.keyframe : f.inter, key));
      ++video;
    }
    // ffmpeg ends with an AVC end-of-sequence tag, frame type "keyframe": it
    // must not open a file of its own.
    const uint32_t end = base + static_cast<uint32_t>(seconds * 1000);
    rec.on_media(msg(9, end, Bytes{0x17, 0x02, 0, 0, 0}, true));
    return video;
  }

  fs::path dir_;
  events::RecordingSink sink_;
  int audio_sent_ = 0;  // from the keyframe's timestamp on
};

template <typename T>
std::vector<T> of(const events::RecordingSink& sink) {
  std::vector<T> out;
  for (const auto& e : sink.events())
    if (const T* d = std::get_if<T>(&e.data)) out.push_back(*d);
  return out;
}

TEST_F(RecordingTest, FlvSegmentsAtKeyframesLosingNothing) {
  int sent = 0;
  {
    Recording rec(config("auto", 10000), sink_, "conn-1", "live/show");
    sent = publish(rec, 25);
    rec.stop("");
  }
  EXPECT_EQ(sink_.names(),
            (std::vector<std::string>{"recording_start", "segment_complete", "segment_complete",
                                      "segment_complete", "recording_stop"}));
  const auto start = of<events::RecordingStart>(sink_).at(0);
  EXPECT_EQ(start.format, "flv");
  EXPECT_EQ(start.codec, "H264");
  EXPECT_TRUE(start.segmented);
  EXPECT_EQ(start.segment_duration_ms, 10000u);
  const auto segs = of<events::SegmentComplete>(sink_);
  EXPECT_EQ(start.path, segs.at(0).path);
  int recorded = 0, audio = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    EXPECT_EQ(segs[i].segment_index, i);
    EXPECT_EQ(segs[i].path, (dir_ / ("live_show_seg00" + std::to_string(i) + ".flv")).string());
    ASSERT_TRUE(fs::exists(segs[i].path));
    EXPECT_FALSE(fs::exists(segs[i].path + ".part"));
    EXPECT_EQ(fs::file_size(segs[i].path), segs[i].size);
    bytes += segs[i].size;
    std::ifstream in(segs[i].path, std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto tags = media::test::read_flv_tags(file);
    ASSERT_GE(tags.size(), 4u);
    EXPECT_EQ(tags[0].type, 18);
    EXPECT_EQ(tags[1].body, fixture().video_config);  // every file decodes on its own
    EXPECT_EQ(tags[2].body, fixture().audio_config);
    bool first_frame = true;
    for (const auto& t : tags) {
      if (t.type == 8 && t.body[1] == 1) ++audio;
      if (t.type != 9 || t.body[1] != 1) continue;
      if (first_frame) {
        EXPECT_EQ(t.body[0], 0x17) << "segment " << i << " starts with a keyframe";
        // The first file starts with the audio sent just before its keyframe.
        EXPECT_EQ(t.timestamp, i == 0 ? 21u : 0u);
      }
      first_frame = false;
      ++recorded;
    }
  }
  EXPECT_EQ(recorded, sent);
  EXPECT_EQ(audio, audio_sent_);
  EXPECT_EQ(segs[0].duration_ms, 10021u);  // from the audio just before the keyframe
  EXPECT_EQ(segs[1].duration_ms, 10000u);
  EXPECT_NEAR(static_cast<double>(segs[2].duration_ms), 4967, 50);
  const auto stop = of<events::RecordingStop>(sink_).at(0);
  EXPECT_EQ(stop.error, "");
  EXPECT_EQ(stop.segments, 3u);
  EXPECT_EQ(stop.bytes, bytes);
  EXPECT_EQ(stop.path, segs.back().path);
}

TEST_F(RecordingTest, EndOfSequenceOpensNoFile) {
  {
    Recording rec(config("auto", 5000), sink_, "conn-1", "live/x");
    publish(rec, 12);  // keyframes every 2 s: cut at 6 s; the end marker comes at 12 s
  }
  const auto segs = of<events::SegmentComplete>(sink_);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].duration_ms, 6021u);
}

TEST_F(RecordingTest, Mp4WhenAskedOneFileWithoutSegments) {
  {
    Recording rec(config("mp4", 0), sink_, "conn-1", "live/x");
    publish(rec, 5);
  }  // destruction stops it
  EXPECT_EQ(sink_.names(),
            (std::vector<std::string>{"recording_start", "segment_complete", "recording_stop"}));
  const auto seg = of<events::SegmentComplete>(sink_).at(0);
  EXPECT_EQ(seg.format, "mp4");
  std::ifstream in(seg.path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(file.size(), 1000u);
  EXPECT_EQ(std::string(file.begin() + 4, file.begin() + 8), "ftyp");
  const std::string text(file.begin(), file.end());
  EXPECT_NE(text.find("avcC"), std::string::npos);
  EXPECT_NE(text.find("moof"), std::string::npos);  // fragmented
  EXPECT_FALSE(of<events::RecordingStart>(sink_).at(0).segmented);
}

Bytes file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// An MPEG-TS muxer (an SRT publish) often sends its first audio after the
// first video keyframe, and without onMetaData: the file waits for it, so
// the MP4, whose tracks are fixed when it opens, has both. (Seen failing
// before: the MP4 had the video track alone, every audio frame dropped.)
TEST_F(RecordingTest, AudioAfterTheFirstKeyframeIsRecorded) {
  const Fixture& f = fixture();
  {
    Recording rec(config("mp4", 0), sink_, "conn-1", "live/ts");
    rec.on_media(msg(9, 0, f.video_config, true, true));
    for (uint32_t i = 0; i < 90; ++i) {
      const uint32_t ts = i * 1000 / 30;
      if (ts == 300) rec.on_media(msg(8, ts, f.audio_config, false, true));
      if (ts >= 300) rec.on_media(msg(8, ts, f.audio));
      rec.on_media(msg(9, ts, i % 60 == 0 ? f.keyframe : f.inter, i % 60 == 0));
      if (i == 5) {
        EXPECT_TRUE(sink_.names().empty()) << "opened before the audio came";
      }
    }
  }
  ASSERT_EQ(sink_.names().size(), 3u);
  const std::string text = [&] {
    const Bytes b = file_bytes(of<events::SegmentComplete>(sink_).at(0).path);
    return std::string(b.begin(), b.end());
  }();
  EXPECT_NE(text.find("avcC"), std::string::npos);
  EXPECT_NE(text.find("mp4a"), std::string::npos) << "no audio track";
}

// Without audio the file opens a second of media after its keyframe, with
// every frame; with onMetaData naming no audio codec it opens at once.
TEST_F(RecordingTest, VideoOnlyWaitsBoundedOrNotAtAll) {
  const Fixture& f = fixture();
  {
    Recording rec(config("flv", 0), sink_, "conn-1", "live/v");
    rec.on_media(msg(9, 0, f.video_config, true, true));
    for (uint32_t i = 0; i < 90; ++i)
      rec.on_media(msg(9, i * 1000 / 30, i % 60 == 0 ? f.keyframe : f.inter, i % 60 == 0));
  }
  size_t video = 0;
  for (const auto& t :
       media::test::read_flv_tags(file_bytes(of<events::SegmentComplete>(sink_).at(0).path)))
    video += t.type == 9 && t.body[1] == 1 ? 1 : 0;
  EXPECT_EQ(video, 90u);

  events::RecordingSink announced;
  Recording rec(config("flv", 0), announced, "conn-2", "live/w");
  Bytes b;
  amf0::encode(amf0::Value::String("onMetaData"), b);
  amf0::encode(amf0::Value::EcmaArray({{"videocodecid", amf0::Value::Number(7)}}), b);
  rec.on_media(msg(18, 0, b, false, true));
  rec.on_media(msg(9, 0, f.video_config, true, true));
  rec.on_media(msg(9, 0, f.keyframe, true));
  EXPECT_EQ(announced.names(), std::vector<std::string>{"recording_start"});
}

// A publisher's new video configuration (another size: a new AVC sequence
// header) starts a new MP4 at its keyframe, as an MP4 carries one avcC; FLV
// carries it in-band, in the same file. (Seen failing before: the MP4 went on
// with the old avcC, and every frame after the change decoded as garbage.)
TEST_F(RecordingTest, NewCodecConfigurationStartsANewMp4) {
  const Fixture& f = fixture();
  const auto other = media::test::read_flv_tags(
      media::test::read_fixture("h264_baseline_640x360_aac44k_mono.flv"));
  const Bytes other_config = media::test::first_tag(other, 9, [](const FlvTag& t) {
                               return t.body[0] == 0x17 && t.body[1] == 0;
                             }).body;
  const Bytes other_key = media::test::first_tag(other, 9, [](const FlvTag& t) {
                            return t.body[0] == 0x17 && t.body[1] == 1;
                          }).body;
  for (const char* format : {"mp4", "flv"}) {
    events::RecordingSink sink;
    {
      Recording rec(config(format, 0), sink, "conn-1", std::string("live/") + format);
      rec.on_media(metadata());
      rec.on_media(msg(9, 0, f.video_config, true, true));
      rec.on_media(msg(8, 0, f.audio_config, false, true));
      for (uint32_t i = 0; i < 60; ++i) {
        rec.on_media(msg(8, i * 33, f.audio));
        rec.on_media(msg(9, i * 33, i == 0 ? f.keyframe : f.inter, i == 0));
      }
      rec.on_media(msg(9, 60 * 33, f.video_config, true, true));  // the same again: no cut
      rec.on_media(msg(9, 61 * 33, other_config, true, true));
      rec.on_media(msg(9, 61 * 33, other_key, true));
      rec.on_media(msg(8, 62 * 33, f.audio));
    }
    const auto segs = of<events::SegmentComplete>(sink);
    ASSERT_EQ(segs.size(), std::string(format) == "mp4" ? 2u : 1u) << format;
    if (segs.size() != 2) continue;
    const Bytes second = file_bytes(segs[1].path);
    const Bytes sps(other_config.begin() + 5, other_config.end());  // the avcC record
    EXPECT_NE(std::search(second.begin(), second.end(), sps.begin(), sps.end()), second.end())
        << "the second file's avcC is not the new configuration";
  }
}

TEST_F(RecordingTest, NothingRecordedNoEvents) {
  {
    Recording rec(config("auto", 0), sink_, "conn-1", "live/x");
    rec.on_media(metadata());
    rec.on_media(msg(9, 0, fixture().video_config, true, true));
    rec.on_media(msg(9, 0, fixture().inter));
    rec.on_media(msg(8, 0, fixture().audio));  // video announced: waits for its keyframe
  }
  EXPECT_TRUE(sink_.names().empty());
}

// onMetaData naming an audio codec alone
registry::MediaPtr audio_only_metadata() {
  Bytes b;
  amf0::encode(amf0::Value::String("onMetaData"), b);
  amf0::encode(amf0::Value::EcmaArray({{"audiocodecid", amf0::Value::Number(10)}}), b);
  return msg(18, 0, b, false, true);
}

// Without onMetaData the file waits two seconds of media for video, then
// opens with every audio frame; with onMetaData naming no video it opens at
// once.
TEST_F(RecordingTest, AudioOnlyWaitsBoundedForVideoAndCutsByTime) {
  for (const bool meta : {false, true}) {
    events::RecordingSink sink;
    {
      Recording rec(config("auto", 2000), sink, "conn-1", meta ? "radio/m" : "radio/x");
      if (meta) rec.on_media(audio_only_metadata());
      rec.on_media(msg(8, 0, fixture().audio_config, false, true));
      for (uint32_t ts = 0; ts < 5000; ts += 21) {
        rec.on_media(msg(8, ts, fixture().audio));
        if (ts == 0 || ts == 1995) {
          EXPECT_EQ(sink.names().empty(), !meta) << "at " << ts;
        }
      }
    }
    const auto segs = of<events::SegmentComplete>(sink);
    ASSERT_EQ(segs.size(), 3u);
    EXPECT_EQ(segs[0].codec, "AAC");
    EXPECT_EQ(segs[0].duration_ms, 2016u);  // from the first frame (0) on
    EXPECT_EQ(of<events::RecordingStart>(sink).at(0).codec, "AAC");
  }
}

size_t flv_frames(const Bytes& file, uint8_t type) {
  size_t n = 0;
  for (const auto& t : media::test::read_flv_tags(file)) n += t.type == type && t.body[1] == 1;
  return n;
}

// Video that starts after the audio (an MPEG-TS encoder's, half a second
// later, no onMetaData) is in the file: it opens at the first video keyframe
// with the audio before it. (Seen failing before: the file opened with audio
// alone at the first audio frame; an MP4 dropped every video frame, while
// the events said H264.)
TEST_F(RecordingTest, VideoAfterTheFirstAudioIsRecorded) {
  const Fixture& f = fixture();
  for (const char* format : {"mp4", "flv"}) {
    events::RecordingSink sink;
    size_t video = 0, audio = 0;
    {
      Recording rec(config(format, 0), sink, "conn-1", std::string("live/late_") + format);
      rec.on_media(msg(8, 0, f.audio_config, false, true));
      uint32_t audio_ts = 0;
      for (uint32_t i = 0; i < 90; ++i) {
        const uint32_t ts = 500 + i * 1000 / 30;
        for (; audio_ts <= ts; audio_ts += 21, ++audio) rec.on_media(msg(8, audio_ts, f.audio));
        if (i == 0) {
          EXPECT_TRUE(sink.names().empty()) << format << ": opened before the video came";
          rec.on_media(msg(9, ts, f.video_config, true, true));
        }
        rec.on_media(msg(9, ts, i % 60 == 0 ? f.keyframe : f.inter, i % 60 == 0));
        ++video;
      }
    }
    ASSERT_EQ(sink.names(),
              (std::vector<std::string>{"recording_start", "segment_complete", "recording_stop"}))
        << format;
    EXPECT_EQ(of<events::RecordingStart>(sink).at(0).codec, "H264") << format;
    const auto seg = of<events::SegmentComplete>(sink).at(0);
    EXPECT_EQ(seg.codec, "H264") << format;
    EXPECT_EQ(seg.duration_ms, 3466u) << format;  // from the first audio frame
    const Bytes file = file_bytes(seg.path);
    if (std::string(format) == "flv") {
      EXPECT_EQ(flv_frames(file, 9), video);
      EXPECT_EQ(flv_frames(file, 8), audio);
    } else {
      const std::string text(file.begin(), file.end());
      EXPECT_NE(text.find("avcC"), std::string::npos) << "no video track";
      EXPECT_NE(text.find("mp4a"), std::string::npos) << "no audio track";
    }
  }
}

// Video that comes later than the wait (or after onMetaData that named
// audio alone: an RTMP publisher's) starts a new file at its first
// keyframe, with both tracks; the audio-only file before it says AAC. Video
// before that keyframe (a publish joined mid-GOP) is not written.
TEST_F(RecordingTest, VideoLongAfterTheAudioStartsANewFile) {
  const Fixture& f = fixture();
  for (const bool meta : {false, true}) {
    for (const char* format : {"mp4", "flv"}) {
      const std::string what = std::string(format) + (meta ? " with onMetaData" : "");
      events::RecordingSink sink;
      size_t video = 0, audio_after = 0;
      {
        Recording rec(config(format, 0), sink, "conn-1", std::string("live/later_") + format);
        if (meta) rec.on_media(audio_only_metadata());
        rec.on_media(msg(8, 0, f.audio_config, false, true));
        uint32_t audio_ts = 0;
        for (uint32_t i = 0; i < 90; ++i) {
          const uint32_t ts = 3000 + i * 1000 / 30;
          for (; audio_ts <= ts; audio_ts += 21) {
            rec.on_media(msg(8, audio_ts, f.audio));
            if (audio_ts >= 4000) ++audio_after;
          }
          if (i == 0) rec.on_media(msg(9, ts, f.video_config, true, true));
          const bool key = i == 30;  // at 4000; before it, frames of a GOP joined late
          rec.on_media(msg(9, ts, key ? f.keyframe : f.inter, key));
          if (i >= 30) ++video;
        }
      }
      ASSERT_EQ(sink.names(), (std::vector<std::string>{"recording_start", "segment_complete",
                                                        "segment_complete", "recording_stop"}))
          << what;
      EXPECT_EQ(of<events::RecordingStart>(sink).at(0).codec, "AAC") << what;
      const auto segs = of<events::SegmentComplete>(sink);
      EXPECT_EQ(segs[0].codec, "AAC") << what;
      EXPECT_EQ(segs[1].codec, "H264") << what;
      EXPECT_EQ(segs[0].duration_ms, 4000u) << what;
      EXPECT_EQ(segs[1].format, format);
      const Bytes first = file_bytes(segs[0].path), second = file_bytes(segs[1].path);
      if (std::string(format) == "flv") {
        EXPECT_EQ(flv_frames(first, 9), 0u) << what;
        EXPECT_EQ(flv_frames(second, 9), video) << what;
        EXPECT_EQ(flv_frames(second, 8), audio_after) << what;
        const auto tags = media::test::read_flv_tags(second);
        const auto key = std::ranges::find_if(
            tags, [](const FlvTag& t) { return t.type == 9 && t.body[1] == 1; });
        ASSERT_NE(key, tags.end());
        EXPECT_EQ(key->body[0], 0x17) << what << ": the new file starts at the keyframe";
        EXPECT_EQ(key->timestamp, 0u) << what;
      } else {
        EXPECT_EQ(std::string(first.begin(), first.end()).find("avcC"), std::string::npos);
        EXPECT_NE(std::string(second.begin(), second.end()).find("avcC"), std::string::npos)
            << what << ": no video track";
      }
    }
  }
}

TEST_F(RecordingTest, UnwritableDirectoryEndsWithAnError) {
  fs::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "a file where the directory should be";
  {
    Recording rec(config("auto", 0), sink_, "conn-1", "live/x");
    publish(rec, 1);
    EXPECT_TRUE(rec.ended());
  }
  fs::remove(dir_);
  EXPECT_EQ(sink_.names(), (std::vector<std::string>{"recording_start", "recording_stop"}));
  EXPECT_NE(of<events::RecordingStop>(sink_).at(0).error, "");
}

TEST_F(RecordingTest, FileSizeLimitEndsWithAnError) {
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  for (const char* format : {"flv", "mp4"}) {
    sink_.clear();
    {
      Recording rec(config(format, 0), sink_, "conn-1", "live/x");
      publish(rec, 20);
      EXPECT_TRUE(rec.ended()) << format;
    }
    const auto stops = of<events::RecordingStop>(sink_);
    ASSERT_EQ(stops.size(), 1u) << format;
    EXPECT_NE(stops[0].error.find("too large"), std::string::npos) << stops[0].error;
    EXPECT_TRUE(of<events::SegmentComplete>(sink_).empty());
    // The .part it left stays, recording_stop names it, and its bytes are
    // the recording's.
    const std::string part = stops[0].path;
    EXPECT_TRUE(part.ends_with(".part")) << part;
    ASSERT_TRUE(fs::exists(part)) << part;
    EXPECT_EQ(stops[0].bytes, fs::file_size(part)) << format;
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
}

// Audio a container carried behind the video (MPEG-TS over SRT: each AAC
// frame arrives ~200 ms after video of its time) stays in sync across cuts:
// audio from before a cut's keyframe that arrives after it goes into the
// file being closed, at its time; the new file starts at its keyframe (0)
// with the audio from there on. Before, the late audio went into the new
// file squeezed to 0, and all its audio played ~200 ms late.
TEST_F(RecordingTest, LateAudioAtACutStaysInTheFileItBelongsTo) {
  const Fixture& f = fixture();
  constexpr uint32_t kLagMs = 200;
  int audio_sent = 0;
  {
    Recording rec(config("flv", 2000), sink_, "conn-1", "live/ts");
    rec.on_media(metadata());
    rec.on_media(msg(9, 0, f.video_config, true, true));
    rec.on_media(msg(8, 0, f.audio_config, false, true));
    uint32_t audio_ts = 0;
    for (int i = 0; i < 7 * 30; ++i) {
      const uint32_t ts = static_cast<uint32_t>(i * 1000 / 30);
      const bool key = i % 30 == 0;
      rec.on_media(msg(9, ts, key ? f.keyframe : f.inter, key));
      while (audio_ts + kLagMs <= ts) {
        rec.on_media(msg(8, audio_ts, f.audio));
        audio_ts += 21;
        ++audio_sent;
      }
    }
    rec.stop("");
  }
  const auto segs = of<events::SegmentComplete>(sink_);
  ASSERT_GE(segs.size(), 3u);
  int audio = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto tags = media::test::read_flv_tags(file_bytes(segs[i].path));
    std::vector<uint32_t> audio_ts;
    uint32_t first_video = UINT32_MAX;
    for (const auto& t : tags) {
      if (t.type == 8 && t.body[1] == 1) audio_ts.push_back(t.timestamp);
      if (t.type == 9 && t.body[1] == 1 && first_video == UINT32_MAX) first_video = t.timestamp;
    }
    audio += static_cast<int>(audio_ts.size());
    EXPECT_EQ(first_video, 0u) << "segment " << i;
    ASSERT_FALSE(audio_ts.empty()) << "segment " << i;
    // At their own times, 21 ms apart: none squeezed together at the start.
    for (size_t k = 1; k < audio_ts.size(); ++k) {
      EXPECT_EQ(audio_ts[k] - audio_ts[k - 1], 21u) << "segment " << i << " audio " << k;
    }
    // Each file's audio ends where its video ends: the audio before the next
    // cut (sent after it) is in this file.
    if (i + 1 < segs.size()) {
      EXPECT_GE(audio_ts.back() + 21, segs[i].duration_ms) << i;
    }
  }
  EXPECT_EQ(audio, audio_sent);
}

// A codec MP4 cannot carry (Nellymoser audio) ends the recording with an
// error as its file opens (past the wait for video), and leaves no empty
// .part behind.
TEST_F(RecordingTest, Mp4WithNothingItCanCarryLeavesNoFile) {
  {
    Recording rec(config("mp4", 0), sink_, "conn-1", "live/nelly");
    for (uint32_t ts = 0; ts < 3000; ts += 64) rec.on_media(msg(8, ts, Bytes{0x62, 1, 2, 3, 4}));
    EXPECT_TRUE(rec.ended());
  }
  const auto stops = of<events::RecordingStop>(sink_);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_NE(stops[0].error, "");
  EXPECT_EQ(stops[0].bytes, 0u);
  EXPECT_TRUE(fs::is_empty(dir_)) << fs::directory_iterator(dir_)->path();
}

// "live/x_y" and "live_x/y" make the same file name; recorded at the same
// time, each gets a file of its own.
TEST_F(RecordingTest, TwoKeysWithOneFileNameRecordAtOnceIntoTwoFiles) {
  {
    Recording a(config("flv", 0), sink_, "conn-1", "live/x_y");
    Recording b(config("flv", 0), sink_, "conn-2", "live_x/y");
    publish(a, 3);  // a's file is open (as .part) while b starts
    publish(b, 3);
  }
  auto paths = checked_segments();
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{(dir_ / "live_x_y_seg000-1.flv").string(),
                                             (dir_ / "live_x_y_seg000.flv").string()}));  // sorted
  const auto starts = of<events::RecordingStart>(sink_);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_NE(starts[0].path, starts[1].path);
}

// A publisher that comes back (the same name: no %T here, or within its
// second) gets a new file; the finished one is kept.
TEST_F(RecordingTest, SameNameAgainKeepsTheFinishedFile) {
  for (const char* conn : {"conn-1", "conn-2", "conn-3"}) {
    Recording rec(config("flv", 0), sink_, conn, "live/again");
    publish(rec, 2);
  }
  EXPECT_EQ(checked_segments(),
            (std::vector<std::string>{(dir_ / "live_again_seg000.flv").string(),
                                      (dir_ / "live_again_seg000-1.flv").string(),
                                      (dir_ / "live_again_seg000-2.flv").string()}));
}

// A pattern without %d names every segment alike: they are numbered instead
// of written over one another. A .part left by a crash is not written over.
TEST_F(RecordingTest, PatternWithoutNumberAndACrashedPartLoseNothing) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "live_seg.flv.part") << "left by a crash";
  {
    Recording rec(config("flv", 2000, "%s"), sink_, "conn-1", "live/seg");
    publish(rec, 7);  // keyframes every 2 s: four segments
  }
  EXPECT_EQ(checked_segments(),
            (std::vector<std::string>{
                (dir_ / "live_seg-1.flv").string(), (dir_ / "live_seg-2.flv").string(),
                (dir_ / "live_seg-3.flv").string(), (dir_ / "live_seg-4.flv").string()}));
  std::ifstream in(dir_ / "live_seg.flv.part");
  const std::string left((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(left, "left by a crash");
  EXPECT_EQ(of<events::RecordingStop>(sink_).at(0).segments, 4u);
}

}  // namespace
}  // namespace rtmp::record
