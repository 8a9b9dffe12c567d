#include "ingest/server/publish_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/events/recording_sink.hpp"
#include "ingest/registry/stream_registry.hpp"

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

TEST_F(PublishStateTest, OtherDataKeepsItsTimestamp) {
  auto m = state.ingest(data_message("onCuePoint", 1500), 4096, detected);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->sequence_header);
  EXPECT_EQ(m->header.timestamp, 1500u);
}

}  // namespace
}  // namespace rtmp::server
