#include "ingest/events/event_proto.hpp"

#include <gtest/gtest.h>

#include "common/payload.hpp"

namespace rtmp::events {
namespace {

TEST(EventProto, CommonFields) {
  Event e{"conn-1", "live/test", PublishStart{}, 123456789};
  const rtmphooks::Event p = to_proto(e);
  EXPECT_EQ(p.type(), rtmphooks::PUBLISH_START);
  EXPECT_EQ(p.conn_id(), "conn-1");
  EXPECT_EQ(p.stream_key(), "live/test");
  EXPECT_EQ(p.emitted_unix_ns(), 123456789);
  EXPECT_EQ(p.data_case(), rtmphooks::Event::kPublishStart);
  EXPECT_EQ(p.seq(), 0u);  // the emitter's to set
}

TEST(EventProto, TypeNameMatchesPlainName) {
  const std::vector<EventData> all = {ConnectionAccept{}, HandshakeComplete{}, StreamCreate{},
                                      StreamDelete{},     PublishStart{},      PublishStop{},
                                      PlayStart{},        PlayStop{},          CodecDetected{},
                                      SubscriberCount{},  AuthFailed{},        ConnectionClose{},
                                      RecordingStart{},   SegmentComplete{},   RecordingStop{},
                                      RelayStart{},       RelayStop{},         RelayError{},
                                      StreamStats{}};
  ASSERT_EQ(all.size(), common::event_names().size());
  for (size_t i = 0; i < all.size(); ++i) {
    Event e{"c", "", all[i], 0};
    const rtmphooks::Event p = to_proto(e);
    EXPECT_EQ(common::event_name(p.type()), event_name(all[i]));
    EXPECT_EQ(common::event_names()[i], event_name(all[i]));
    EXPECT_EQ(static_cast<int>(p.data_case()), 20 + static_cast<int>(i));
  }
}

// A reused message holds the last event only: nothing of the one before
// (the emitter's fields, the other data alternative) is left over.
TEST(EventProto, FillingAgainLeavesNothingOfTheEventBefore) {
  rtmphooks::Event reused;
  fill_proto(
      Event{"conn-1", "live/a", PublishStop{430, 300, 1830112, "AAC", "H264", 10.02, "x"}, 7},
      reused);
  reused.set_seq(41);
  reused.set_id("evt-a-41");
  reused.set_node("edge-1");
  const Event second{"c2", "", PlayStart{"1.2.3.4:5", "token=1"}, 9};
  fill_proto(second, reused);
  EXPECT_EQ(reused.SerializeAsString(), to_proto(second).SerializeAsString());
  EXPECT_EQ(reused.seq(), 0u);
  EXPECT_EQ(reused.id(), "");
  EXPECT_EQ(reused.node(), "");
  EXPECT_EQ(reused.stream_key(), "");
  EXPECT_FALSE(reused.has_publish_stop());
  EXPECT_EQ(reused.play_start().query(), "token=1");
}

TEST(EventProto, PublishStopData) {
  Event e{"c", "live/x", PublishStop{430, 300, 1830112, "AAC", "H264", 10.02, "client"}, 0};
  const rtmphooks::Event p = to_proto(e);
  const auto& d = p.publish_stop();
  EXPECT_EQ(d.audio_packets(), 430u);
  EXPECT_EQ(d.video_packets(), 300u);
  EXPECT_EQ(d.total_bytes(), 1830112u);
  EXPECT_EQ(d.audio_codec(), "AAC");
  EXPECT_EQ(d.video_codec(), "H264");
  EXPECT_DOUBLE_EQ(d.duration_sec(), 10.02);
}

TEST(EventProto, CodecDetectedKeepsOnlyKnownFields) {
  CodecDetected video{"video", "H264", 1280, 720, 30.0, "High", std::nullopt, {}, {}};
  const auto v = to_proto(Event{"c", "k", video, 0}).codec_detected();
  EXPECT_EQ(v.width(), 1280u);
  EXPECT_EQ(v.height(), 720u);
  EXPECT_TRUE(v.has_fps());
  EXPECT_EQ(v.profile(), "High");
  EXPECT_FALSE(v.has_level());
  EXPECT_FALSE(v.has_sample_rate());
  EXPECT_FALSE(v.has_channels());

  CodecDetected audio{"audio", "AAC", {}, {}, {}, {}, {}, 44100, 2};
  const auto a = to_proto(Event{"c", "k", audio, 0}).codec_detected();
  EXPECT_FALSE(a.has_width());
  EXPECT_FALSE(a.has_fps());
  EXPECT_EQ(a.sample_rate(), 44100u);
  EXPECT_EQ(a.channels(), 2u);
}

TEST(EventProto, OtherData) {
  const auto ca =
      to_proto({"c", "", ConnectionAccept{"1.2.3.4:5", "rtmps"}, 0}).connection_accept();
  EXPECT_EQ(ca.remote_addr(), "1.2.3.4:5");
  EXPECT_EQ(ca.protocol(), "rtmps");
  EXPECT_DOUBLE_EQ(to_proto({"c", "", PlayStop{2.5, "client"}, 0}).play_stop().duration_sec(), 2.5);
  EXPECT_EQ(to_proto({"c", "", SubscriberCount{3}, 0}).subscriber_count().count(), 3u);
  const auto af =
      to_proto({"c", "", AuthFailed{"play", "bad token", "9.9.9.9:1"}, 0}).auth_failed();
  EXPECT_EQ(af.action(), "play");
  EXPECT_EQ(af.error(), "bad token");
  EXPECT_EQ(af.remote_addr(), "9.9.9.9:1");
  const auto cc =
      to_proto({"c", "", ConnectionClose{"publisher", 7.5, "disconnect"}, 0}).connection_close();
  EXPECT_EQ(cc.role(), "publisher");
  EXPECT_DOUBLE_EQ(cc.duration_sec(), 7.5);
}

TEST(EventProto, RecordingEvents) {
  const auto rs =
      to_proto({"c", "live/x", RecordingStart{"r/a.flv", "flv", "H264", true, 10000}, 0});
  EXPECT_EQ(rs.type(), rtmphooks::RECORDING_START);
  EXPECT_EQ(rs.recording_start().path(), "r/a.flv");
  EXPECT_EQ(rs.recording_start().format(), "flv");
  EXPECT_EQ(rs.recording_start().codec(), "H264");
  EXPECT_TRUE(rs.recording_start().segmented());
  EXPECT_EQ(rs.recording_start().segment_duration(), 10000u);
  const auto sc =
      to_proto({"c", "live/x", SegmentComplete{"r/a.mp4", 1234, 2, 9980, "H265", "mp4"}, 0});
  EXPECT_EQ(sc.type(), rtmphooks::SEGMENT_COMPLETE);
  EXPECT_EQ(sc.segment_complete().path(), "r/a.mp4");
  EXPECT_EQ(sc.segment_complete().size(), 1234u);
  EXPECT_EQ(sc.segment_complete().segment_index(), 2u);
  EXPECT_EQ(sc.segment_complete().duration_ms(), 9980u);
  EXPECT_EQ(sc.segment_complete().codec(), "H265");
  EXPECT_EQ(sc.segment_complete().format(), "mp4");
  const auto st = to_proto({"c", "live/x", RecordingStop{"r/b.flv", 3, 99, 25.5, "disk full"}, 0});
  EXPECT_EQ(st.type(), rtmphooks::RECORDING_STOP);
  EXPECT_EQ(st.recording_stop().segments(), 3u);
  EXPECT_EQ(st.recording_stop().bytes(), 99u);
  EXPECT_DOUBLE_EQ(st.recording_stop().duration_sec(), 25.5);
  EXPECT_EQ(st.recording_stop().error(), "disk full");
  EXPECT_STREQ(event_name(RecordingStop{}), "recording_stop");
  const auto ss = to_proto({"c", "live/x", StreamStats{812.5, 29.97, 3, 1000, 3000, 7}, 0});
  EXPECT_EQ(ss.type(), rtmphooks::STREAM_STATS);
  EXPECT_DOUBLE_EQ(ss.stream_stats().bitrate_kbps(), 812.5);
  EXPECT_DOUBLE_EQ(ss.stream_stats().fps(), 29.97);
  EXPECT_EQ(ss.stream_stats().players(), 3u);
  EXPECT_EQ(ss.stream_stats().bytes_in(), 1000u);
  EXPECT_EQ(ss.stream_stats().bytes_out(), 3000u);
  EXPECT_EQ(ss.stream_stats().dropped(), 7u);
  EXPECT_STREQ(event_name(StreamStats{}), "stream_stats");
}

TEST(EventProto, RelayEvents) {
  const auto rs = to_proto({"c", "live/x", RelayStart{"rtmp://b/live/x"}, 0});
  EXPECT_EQ(rs.type(), rtmphooks::RELAY_START);
  EXPECT_EQ(rs.relay_start().target(), "rtmp://b/live/x");
  const auto st = to_proto({"c", "live/x", RelayStop{"rtmp://b/live/x", 1000, 2.5, "source"}, 0});
  EXPECT_EQ(st.type(), rtmphooks::RELAY_STOP);
  EXPECT_EQ(st.relay_stop().bytes(), 1000u);
  EXPECT_DOUBLE_EQ(st.relay_stop().duration_sec(), 2.5);
  EXPECT_EQ(st.relay_stop().reason(), "source");
  const auto er = to_proto({"c", "live/x", RelayError{"rtmp://b/live/x", "refused", 3, 4.5}, 0});
  EXPECT_EQ(er.type(), rtmphooks::RELAY_ERROR);
  EXPECT_EQ(er.relay_error().error(), "refused");
  EXPECT_EQ(er.relay_error().attempt(), 3u);
  EXPECT_DOUBLE_EQ(er.relay_error().retry_in_sec(), 4.5);
  EXPECT_STREQ(event_name(RelayError{}), "relay_error");
}

TEST(EventProto, StartsCarryAddressAndQueryStopsTheirReason) {
  const auto ps = to_proto({"c", "", PublishStart{"1.2.3.4:5", "a=1&b=2"}, 0}).publish_start();
  EXPECT_EQ(ps.remote_addr(), "1.2.3.4:5");
  EXPECT_EQ(ps.query(), "a=1&b=2");
  const auto pl = to_proto({"c", "", PlayStart{"[::1]:6", "x=y"}, 0}).play_start();
  EXPECT_EQ(pl.remote_addr(), "[::1]:6");
  EXPECT_EQ(pl.query(), "x=y");
  PublishStop stop;
  stop.reason = stop_reason_name(StopReason::kIdleTimeout);
  EXPECT_EQ(to_proto({"c", "", stop, 0}).publish_stop().reason(), "idle_timeout");
  EXPECT_EQ(to_proto({"c", "", PlayStop{1, "kicked"}, 0}).play_stop().reason(), "kicked");
  EXPECT_EQ(to_proto({"c", "", ConnectionClose{"none", 1, "auth"}, 0}).connection_close().reason(),
            "auth");
}

TEST(EventProto, StopReasonNames) {
  EXPECT_STREQ(stop_reason_name(StopReason::kClient), "client");
  EXPECT_STREQ(stop_reason_name(StopReason::kDisconnect), "disconnect");
  EXPECT_STREQ(stop_reason_name(StopReason::kIdleTimeout), "idle_timeout");
  EXPECT_STREQ(stop_reason_name(StopReason::kAuth), "auth");
  EXPECT_STREQ(stop_reason_name(StopReason::kKicked), "kicked");
  EXPECT_STREQ(stop_reason_name(StopReason::kShutdown), "shutdown");
  EXPECT_STREQ(stop_reason_name(StopReason::kError), "error");
}

}  // namespace
}  // namespace rtmp::events
