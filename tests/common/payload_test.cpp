#include "common/payload.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>

namespace rtmp::common {
namespace {

rtmphooks::Event publish_stop() {
  rtmphooks::Event e;
  e.set_type(rtmphooks::PUBLISH_STOP);
  e.set_timestamp(1705312222);
  e.set_conn_id("conn-7f3a9c");
  e.set_stream_key("live/test");
  e.set_id("evt-abc-42");
  e.set_node("edge-1");
  e.set_seq(42);
  auto* d = e.mutable_publish_stop();
  d->set_audio_packets(430);
  d->set_video_packets(300);
  d->set_total_bytes(1830112);
  d->set_audio_codec("AAC");
  d->set_video_codec("H264");
  d->set_duration_sec(10.02);
  d->set_reason("client");
  return e;
}

TEST(Payload, JsonMatchesSpecExample) {
  EXPECT_EQ(render_json(publish_stop()),
            R"({"type":"publish_stop","timestamp":1705312222,"conn_id":"conn-7f3a9c",)"
            R"("stream_key":"live/test","id":"evt-abc-42","seq":42,"node":"edge-1",)"
            R"("data":{"audio_packets":430,)"
            R"("video_packets":300,"total_bytes":1830112,"audio_codec":"AAC",)"
            R"("video_codec":"H264","duration_sec":10.02,"reason":"client"}})");
}

TEST(Payload, JsonEmptyDataAndEmptyStreamKey) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::HANDSHAKE_COMPLETE);
  e.set_timestamp(7);
  e.set_conn_id("c");
  e.set_seq(1);
  e.mutable_handshake_complete();
  EXPECT_EQ(render_json(e), R"({"type":"handshake_complete","timestamp":7,"conn_id":"c",)"
                            R"("stream_key":"","id":"","seq":1,"node":"","data":{}})");
}

TEST(Payload, TypeFallsBackToDataCase) {
  rtmphooks::Event e;
  e.mutable_subscriber_count()->set_count(3);
  auto v = boost::json::parse(render_json(e));
  EXPECT_EQ(v.at("type").as_string(), "subscriber_count");
  EXPECT_EQ(v.at("data").at("count").as_int64(), 3);
}

TEST(Payload, OptionalFieldsOnlyWhenPresent) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::CODEC_DETECTED);
  auto* d = e.mutable_codec_detected();
  d->set_media("video");
  d->set_codec("H264");
  d->set_width(1280);
  d->set_height(720);
  d->set_fps(29.97);
  d->set_profile("High");
  const std::string json = render_json(e);
  EXPECT_NE(json.find(R"("data":{"media":"video","codec":"H264","width":1280,"height":720,)"
                      R"("fps":29.97,"profile":"High"})"),
            std::string::npos)
      << json;
  EXPECT_EQ(json.find("sample_rate"), std::string::npos);
  EXPECT_EQ(json.find("level"), std::string::npos);

  // A present zero is still present.
  d->set_channels(0);
  EXPECT_NE(render_json(e).find(R"("channels":0)"), std::string::npos);
}

TEST(Payload, JsonEscapesAndStaysOneLine) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::AUTH_FAILED);
  e.set_stream_key("live/\"x\"\\y\n\t\x01");
  auto* d = e.mutable_auth_failed();
  d->set_action("publish");
  d->set_error("bad \"token\"\r\n");
  d->set_remote_addr(std::string("1.2.3.4\xff\xc3\xa9", 10));  // invalid byte, then é
  const std::string json = render_json(e);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find('\r'), std::string::npos);
  auto v = boost::json::parse(json);
  EXPECT_EQ(v.at("stream_key").as_string(), "live/\"x\"\\y\n\t\x01");
  EXPECT_EQ(v.at("data").at("error").as_string(), "bad \"token\"\r\n");
  EXPECT_EQ(v.at("data").at("remote_addr").as_string(), "1.2.3.4\xef\xbf\xbd\xc3\xa9");
}

TEST(Payload, JsonNumbersAreNumbers) {
  rtmphooks::Event e = publish_stop();
  e.set_seq(18446744073709551615ull);
  e.mutable_publish_stop()->set_duration_sec(3);
  auto v = boost::json::parse(render_json(e));
  EXPECT_EQ(v.at("seq").as_uint64(), 18446744073709551615ull);
  EXPECT_TRUE(v.at("data").at("duration_sec").is_number());
  EXPECT_EQ(v.at("data").at("duration_sec").to_number<double>(), 3.0);
  EXPECT_TRUE(v.at("timestamp").is_int64() || v.at("timestamp").is_uint64());
}

TEST(Payload, JsonNonFiniteBecomesNull) {
  rtmphooks::Event e;
  e.mutable_play_stop()->set_duration_sec(std::numeric_limits<double>::quiet_NaN());
  auto v = boost::json::parse(render_json(e));
  EXPECT_TRUE(v.at("data").at("duration_sec").is_null());
}

TEST(Payload, Logfmt) {
  EXPECT_EQ(
      render_logfmt(publish_stop()),
      "type=publish_stop timestamp=1705312222 conn_id=conn-7f3a9c stream_key=live/test "
      "id=evt-abc-42 seq=42 node=edge-1 audio_packets=430 video_packets=300 total_bytes=1830112 "
      "audio_codec=AAC video_codec=H264 duration_sec=10.02 reason=client");
}

TEST(Payload, LogfmtQuoting) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::AUTH_FAILED);
  e.set_conn_id("a=b");
  auto* d = e.mutable_auth_failed();
  d->set_action("play");
  d->set_error("say \"no\"\\\n");
  d->set_remote_addr("x\x02");
  EXPECT_EQ(render_logfmt(e),
            R"(type=auth_failed timestamp=0 conn_id="a=b" stream_key="" id="" seq=0 node="" )"
            R"(action=play error="say \"no\"\\\n" remote_addr="x\u0002")");
  EXPECT_EQ(render_logfmt(e).find('\n'), std::string::npos);
}

TEST(Payload, ScriptEnv) {
  auto env = script_env(publish_stop());
  std::vector<std::pair<std::string, std::string>> want = {{"RTMP_EVENT_TYPE", "publish_stop"},
                                                           {"RTMP_TIMESTAMP", "1705312222"},
                                                           {"RTMP_CONN_ID", "conn-7f3a9c"},
                                                           {"RTMP_STREAM_KEY", "live/test"},
                                                           {"RTMP_EVENT_ID", "evt-abc-42"},
                                                           {"RTMP_SEQ", "42"},
                                                           {"RTMP_NODE", "edge-1"},
                                                           {"RTMP_AUDIO_PACKETS", "430"},
                                                           {"RTMP_VIDEO_PACKETS", "300"},
                                                           {"RTMP_TOTAL_BYTES", "1830112"},
                                                           {"RTMP_AUDIO_CODEC", "AAC"},
                                                           {"RTMP_VIDEO_CODEC", "H264"},
                                                           {"RTMP_DURATION_SEC", "10.02"},
                                                           {"RTMP_REASON", "client"}};
  EXPECT_EQ(env, want);
}

TEST(Payload, ScriptEnvRemoteAddr) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::CONNECTION_ACCEPT);
  e.mutable_connection_accept()->set_remote_addr("10.0.0.1:5000");
  e.mutable_connection_accept()->set_protocol("rtmps");
  auto env = script_env(e);
  ASSERT_EQ(env.size(), 9u);
  EXPECT_EQ(env[env.size() - 2],
            (std::pair<std::string, std::string>{"RTMP_REMOTE_ADDR", "10.0.0.1:5000"}));
  EXPECT_EQ(env.back(), (std::pair<std::string, std::string>{"RTMP_PROTOCOL", "rtmps"}));
}

TEST(Payload, ScriptEnvValueEndsAtNul) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::PUBLISH_START);
  e.set_stream_key(std::string("live/a\0b", 8));
  e.mutable_publish_start();
  EXPECT_EQ(script_env(e)[3], (std::pair<std::string, std::string>{"RTMP_STREAM_KEY", "live/a"}));
}

TEST(Payload, EnvLineIsTheScriptEnvQuoted) {
  EXPECT_EQ(render_env(publish_stop()),
            "RTMP_EVENT_TYPE='publish_stop' RTMP_TIMESTAMP='1705312222' "
            "RTMP_CONN_ID='conn-7f3a9c' RTMP_STREAM_KEY='live/test' RTMP_EVENT_ID='evt-abc-42' "
            "RTMP_SEQ='42' RTMP_NODE='edge-1' RTMP_AUDIO_PACKETS='430' RTMP_VIDEO_PACKETS='300' "
            "RTMP_TOTAL_BYTES='1830112' RTMP_AUDIO_CODEC='AAC' RTMP_VIDEO_CODEC='H264' "
            "RTMP_DURATION_SEC='10.02' RTMP_REASON='client'");
  rtmphooks::Event e;
  e.set_type(rtmphooks::AUTH_FAILED);
  auto* d = e.mutable_auth_failed();
  d->set_error("it's\nbad");
  EXPECT_EQ(render_env(e),
            "RTMP_EVENT_TYPE='auth_failed' RTMP_TIMESTAMP='0' RTMP_CONN_ID='' RTMP_STREAM_KEY='' "
            "RTMP_EVENT_ID='' RTMP_SEQ='0' RTMP_NODE='' RTMP_ACTION='' RTMP_ERROR=$(printf %b "
            "'it'\\''s\\nbad_') "
            "RTMP_REMOTE_ADDR=''; RTMP_ERROR=${RTMP_ERROR%_}");
}

TEST(Payload, EventNames) {
  ASSERT_EQ(event_names().size(), 19u);
  EXPECT_EQ(event_names().front(), "connection_accept");
  EXPECT_EQ(event_names().back(), "stream_stats");
  for (const auto& name : event_names()) {
    auto type = event_type_from_name(name);
    ASSERT_TRUE(type.has_value()) << name;
    EXPECT_EQ(event_name(*type), name);
  }
  EXPECT_EQ(event_type_from_name("publish"), std::nullopt);
  EXPECT_EQ(event_type_from_name("*"), std::nullopt);
  EXPECT_EQ(event_name(rtmphooks::EVENT_TYPE_UNSPECIFIED), "");
  EXPECT_EQ(event_name(rtmphooks::PUBLISH_STOP), "publish_stop");
}

}  // namespace
}  // namespace rtmp::common
