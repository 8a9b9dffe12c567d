#pragma once
// Test fakes for the registry: a Subscriber whose reactions are function
// fields, and builders of shared media messages.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ingest/protocol/message.hpp"
#include "ingest/registry/media_message.hpp"
#include "ingest/registry/player_link.hpp"
#include "ingest/registry/subscriber.hpp"

namespace rtmp::registry {

// gtest prints a MediaPtr through this.
inline void PrintTo(const MediaMessage& m, std::ostream* os) {
  *os << (m.video   ? "video"
          : m.audio ? "audio"
                    : "data")
      << "@" << m.header.timestamp << (m.keyframe ? " key" : "")
      << (m.sequence_header ? " config" : "") << " " << m.payload.size() << "B";
}

namespace testing {

class FakeSubscriber : public Subscriber {
 public:
  explicit FakeSubscriber(size_t capacity = 63, uint32_t max_skips = 3)
      : link_(capacity, max_skips, [this] {
          wakes.fetch_add(1);
          if (on_wake) on_wake();
        }) {}

  PlayerLink& link() override { return link_; }
  void on_attach(BurstPtr burst) override {
    ++attaches;
    bursts.push_back(burst->messages);
    snapshots.push_back(burst);
    if (attach_fn) attach_fn(burst->messages);
  }
  void on_publisher_gone() override {
    ++gone;
    if (gone_fn) gone_fn();
  }
  events::EventData start_event() const override { return events::PlayStart{"1.2.3.4:5", query}; }
  events::EventData stop_event(events::StopReason reason, double duration_sec) const override {
    ++stop_events;
    return events::PlayStop{duration_sec, events::stop_reason_name(reason)};
  }
  bool counts_as_player() const override { return player; }
  bool starts_at_join() const override { return at_join; }

  // Pops everything queued on the link.
  std::vector<MediaPtr> drain() {
    std::vector<MediaPtr> out;
    MediaPtr m;
    while (link_.pop(m)) out.push_back(std::move(m));
    return out;
  }

  std::function<void(std::vector<MediaPtr>)> attach_fn;
  std::function<void()> gone_fn;
  std::function<void()> on_wake;
  int attaches = 0;
  int gone = 0;
  std::atomic<int> wakes{0};
  bool player = true;                         // counted in subscriber_count
  bool at_join = true;                        // start emitted by join()
  std::string query;                          // play_start's
  mutable int stop_events = 0;                // stop_event() calls
  std::vector<std::vector<MediaPtr>> bursts;  // each burst's messages
  std::vector<BurstPtr> snapshots;            // the bursts as shared

 private:
  PlayerLink link_;
};

inline MediaPtr video(uint32_t ts, bool keyframe, size_t size = 100) {
  std::vector<uint8_t> payload(size, 0);
  payload[0] = keyframe ? 0x17 : 0x27;
  payload[1] = 0x01;
  return make_media_message(static_cast<uint8_t>(protocol::MessageType::kVideo), ts,
                            std::move(payload), 4096, keyframe, false);
}
inline MediaPtr video_config(uint32_t ts = 0) {
  return make_media_message(static_cast<uint8_t>(protocol::MessageType::kVideo), ts,
                            {0x17, 0x00, 0, 0, 0, 1, 0x64}, 4096, false, true);
}
inline MediaPtr audio(uint32_t ts, size_t size = 20) {
  std::vector<uint8_t> payload(size, 0);
  payload[0] = 0xAF;
  payload[1] = 0x01;
  return make_media_message(static_cast<uint8_t>(protocol::MessageType::kAudio), ts,
                            std::move(payload), 4096, false, false);
}
inline MediaPtr audio_config(uint32_t ts = 0) {
  return make_media_message(static_cast<uint8_t>(protocol::MessageType::kAudio), ts,
                            {0xAF, 0x00, 0x12, 0x10}, 4096, false, true);
}
// onMetaData (a data message marked as the stream's description).
inline MediaPtr metadata(uint32_t ts = 0) {
  return make_media_message(static_cast<uint8_t>(protocol::MessageType::kDataAmf0), ts,
                            {0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'},
                            4096, false, true);
}

}  // namespace testing
}  // namespace rtmp::registry
