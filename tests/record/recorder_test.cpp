// The recorder's threads and queues: messages offered on one thread (as the
// publisher's strand does) are written on the recording's own thread; the
// handle's end completes the files; a full queue ends the recording with an
// error; shutdown waits for recordings. Run under TSan in CI.
#include "ingest/record/recorder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "ingest/events/recording_sink.hpp"
#include "tests/media/fixtures.hpp"
#include "tests/media/flv_file.hpp"

namespace rtmp::record {
namespace {

namespace fs = std::filesystem;
using media::test::Bytes;
using media::test::FlvTag;
using namespace std::chrono_literals;

struct Tags {
  Bytes video_config, keyframe, inter, audio_config, audio;
};

const Tags& tags() {
  static const Tags t = [] {
    const auto all =
        media::test::read_flv_tags(media::test::read_fixture("h264_720p30_aac48k.flv"));
    auto pick = [&](uint8_t type, uint8_t first, uint8_t second) {
      return media::test::first_tag(all, type,
                                    [&](const FlvTag& tag) {
                                      return (first == 0 || tag.body[0] == first) &&
                                             tag.body[1] == second;
                                    })
          .body;
    };
    return Tags{pick(9, 0x17, 0), pick(9, 0x17, 1), pick(9, 0x27, 1), pick(8, 0, 0), pick(8, 0, 1)};
  }();
  return t;
}

registry::MediaPtr msg(uint8_t type, uint32_t ts, const Bytes& body, bool key = false,
                       bool config = false) {
  return registry::make_media_message(type, ts, body, 4096, key, config);
}

template <typename T>
std::vector<T> of(const events::RecordingSink& sink) {
  std::vector<T> out;
  for (const auto& e : sink.events())
    if (const T* d = std::get_if<T>(&e.data)) out.push_back(*d);
  return out;
}

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("recorder_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    options_.all = true;
    options_.dir = dir_.string();
    options_.segment_pattern = "%s_%d";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void offer_start(RecordingHandle& h) {
    h.offer(msg(9, 0, tags().video_config, true, true));
    h.offer(msg(8, 0, tags().audio_config, false, true));
    h.offer(msg(9, 0, tags().keyframe, true));
  }

  fs::path dir_;
  RecordOptions options_;
  events::RecordingSink sink_;
};

TEST_F(RecorderTest, WritesOnItsOwnThreadAndCompletesAtTheEnd) {
  options_.segment_duration = "1s";
  Recorder recorder(options_, sink_);
  EXPECT_EQ(recorder.start("c1", "live/x") != nullptr, true);
  {
    auto h = recorder.start("c2", "live/y");
    ASSERT_TRUE(h);
    offer_start(*h);
    // A second producer thread would break the queue's contract; one is the
    // publisher's strand, here this thread.
    for (uint32_t i = 1; i < 90; ++i) {
      h->offer(msg(9, i * 33, i % 30 == 0 ? tags().keyframe : tags().inter, i % 30 == 0));
      h->offer(msg(8, i * 33 + 10, tags().audio));
    }
  }  // the handle's end: the recording completes its last file
  ASSERT_TRUE(sink_.wait_for_event("recording_stop", 10s));
  recorder.stop(std::chrono::steady_clock::now() + 10s);
  const auto segs = of<events::SegmentComplete>(sink_);
  // Keyframes at 0, 990 and 1980 ms: the cut is at 1980, the first at or past 1 s.
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].duration_ms, 1980u);
  for (const auto& s : segs) EXPECT_EQ(fs::file_size(s.path), s.size);
  const auto stops = of<events::RecordingStop>(sink_);
  ASSERT_EQ(stops.size(), 1u);  // live/x never sent a frame: no start, no stop
  EXPECT_EQ(stops[0].error, "");
  EXPECT_EQ(stops[0].segments, 2u);
  EXPECT_EQ(sink_.names().front(), "recording_start");
}

TEST_F(RecorderTest, OnlyMatchingKeys) {
  options_.all = false;
  options_.patterns = {"live/*"};
  Recorder recorder(options_, sink_);
  EXPECT_TRUE(recorder.start("c", "live/show"));
  EXPECT_FALSE(recorder.start("c", "other/show"));
}

TEST_F(RecorderTest, FullQueueEndsTheRecordingWithAnError) {
  options_.queue_bytes = 64 * 1024;
  Recorder recorder(options_, sink_);
  auto h = recorder.start("c", "live/x");
  const auto ended = h->ended_flag();  // what the API shows as "recording"
  offer_start(*h);
  ASSERT_TRUE(sink_.wait_for_event("recording_start", 10s));
  EXPECT_FALSE(ended->load());
  h->offer(msg(9, 33, Bytes(128 * 1024, 0x27)));  // more than the whole queue may hold
  ASSERT_TRUE(sink_.wait_for_event("recording_stop", 10s));
  EXPECT_TRUE(ended->load());          // the publish goes on, unrecorded
  h->offer(msg(9, 66, tags().inter));  // ignored, never blocks
  h.reset();
  EXPECT_TRUE(ended->load());
  recorder.stop(std::chrono::steady_clock::now() + 10s);
  EXPECT_EQ(sink_.names(),
            (std::vector<std::string>{"recording_start", "segment_complete", "recording_stop"}));
  EXPECT_NE(of<events::RecordingStop>(sink_).at(0).error.find("queue full"), std::string::npos);
}

TEST_F(RecorderTest, ShutdownPastTheDeadlineCutsRecordingsShort) {
  Recorder recorder(options_, sink_);
  auto h = recorder.start("c", "live/x");
  offer_start(*h);
  ASSERT_TRUE(sink_.wait_for_event("recording_start", 10s));
  // The publisher never ends (its handle outlives the deadline).
  recorder.stop(std::chrono::steady_clock::now() + 50ms);
  const auto stops = of<events::RecordingStop>(sink_);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_NE(stops[0].error, "");
  EXPECT_EQ(of<events::SegmentComplete>(sink_).size(), 1u);  // what it had is complete
  EXPECT_FALSE(recorder.start("c", "live/z"));               // stopping: no new recordings
  h.reset();
}

// The connection's close event, handed over while the recording still
// completes its file, comes out after the recording's last event; handed over
// once the recording is done, it comes out at once.
TEST_F(RecorderTest, TheConnectionsCloseWaitsForTheRecordingsLastEvent) {
  Recorder recorder(options_, sink_);
  auto h = recorder.start("c", "live/x");
  ASSERT_TRUE(h);
  offer_start(*h);
  ASSERT_TRUE(sink_.wait_for_event("recording_start", 10s));
  const auto tail = h->tail();
  // Handed over while the publish still goes on: held.
  tail->emit_after(
      events::Event{"c", "live/x", events::ConnectionClose{"publisher", 1.0, "client"}, 0});
  EXPECT_EQ(sink_.names(), (std::vector<std::string>{"recording_start"}));
  h.reset();  // the publish ends; the recording completes on its thread
  ASSERT_TRUE(sink_.wait_for_event("connection_close", 10s));
  EXPECT_EQ(sink_.names(), (std::vector<std::string>{"recording_start", "segment_complete",
                                                     "recording_stop", "connection_close"}));
  recorder.stop(std::chrono::steady_clock::now() + 10s);

  // A recording already done: no wait.
  sink_.clear();
  emit_after(tail, sink_, events::Event{"c", "live/x", events::ConnectionClose{}, 0});
  EXPECT_EQ(sink_.names(), (std::vector<std::string>{"connection_close"}));
  emit_after(nullptr, sink_, events::Event{"d", "", events::ConnectionClose{}, 0});
  EXPECT_EQ(sink_.names().size(), 2u);
}

}  // namespace
}  // namespace rtmp::record
