#include "dispatcher/dead_letter_line.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dispatcher/payload_event.hpp"

namespace rtmp::dispatcher {
namespace {

const std::string kPayload =
    R"({"type":"publish_stop","timestamp":1705312222,"conn_id":"conn-7f3a9c","stream_key":"live/test",)"
    R"("id":"evt-9ae9-42","seq":42,"data":{"audio_packets":430,"video_packets":300,)"
    R"("total_bytes":1830112,"audio_codec":"AAC","video_codec":"H264","duration_sec":10.02,"reason":"client"}})";

DeadLetter sample() {
  DeadLetter d;
  d.time = "2026-12-06T11:30:00.123Z";
  d.kind = "webhook";
  d.target = "http://h/in?token=REDACTED";
  d.credentials_removed = true;
  d.event_id = "evt-9ae9-42";
  d.event_type = "publish_stop";
  d.attempts = 4;
  d.error = "HTTP 500 \"oops\"\nline two";
  d.payload = kPayload;
  return d;
}

TEST(DeadLetterLine, Format) {
  const std::string line = dead_letter_line(sample());
  EXPECT_EQ(
      line,
      R"({"time":"2026-12-06T11:30:00.123Z","kind":"webhook","target":"http://h/in?token=REDACTED",)"
      R"("credentials_removed":true,"event_id":"evt-9ae9-42","event_type":"publish_stop",)"
      R"("attempts":4,"error":"HTTP 500 \"oops\"\nline two","payload":)" +
          kPayload + "}");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(boost::json::parse(line).is_object());
}

TEST(DeadLetterLine, RoundTripKeepsThePayloadBytes) {
  std::string why;
  const auto d = parse_dead_letter(dead_letter_line(sample()), why);
  ASSERT_TRUE(d) << why;
  EXPECT_EQ(d->payload, kPayload);
  EXPECT_EQ(d->kind, "webhook");
  EXPECT_EQ(d->target, "http://h/in?token=REDACTED");
  EXPECT_TRUE(d->credentials_removed);
  EXPECT_EQ(d->attempts, 4);
  EXPECT_EQ(d->error, "HTTP 500 \"oops\"\nline two");
  EXPECT_EQ(d->event_id, "evt-9ae9-42");
}

// A NATS letter keeps the Nats-Msg-Id it was sent with, for -replay.
TEST(DeadLetterLine, TargetIdRoundTrips) {
  DeadLetter d = sample();
  d.target_id = "0123456789ab";
  const std::string line = dead_letter_line(d);
  EXPECT_NE(line.find(R"("credentials_removed":true,"target_id":"0123456789ab","event_id")"),
            std::string::npos);
  std::string why;
  const auto back = parse_dead_letter(line, why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->target_id, "0123456789ab");
}

TEST(DeadLetterLine, NatsMessageIdRoundTrips) {
  DeadLetter d = sample();
  EXPECT_EQ(dead_letter_line(d).find("message_id"), std::string::npos);  // none: left out
  d.kind = "nats";
  d.message_id = "evt-9ae9-42:rtmp.starts";
  const std::string line = dead_letter_line(d);
  EXPECT_NE(line.find(R"("message_id":"evt-9ae9-42:rtmp.starts","payload":)"), std::string::npos);
  std::string why;
  const auto back = parse_dead_letter(line, why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->message_id, "evt-9ae9-42:rtmp.starts");
  EXPECT_EQ(back->payload, kPayload);
}

TEST(DeadLetterLine, RewrittenLineStillReads) {
  // Reordered by another tool (jq -c): the payload is re-serialized.
  const std::string line =
      R"({"payload":{"type":"play_stop","id":"evt-1","seq":1,"data":{}},"kind":"script",)"
      R"("target":"/bin/x","attempts":1})";
  std::string why;
  const auto d = parse_dead_letter(line, why);
  ASSERT_TRUE(d) << why;
  EXPECT_EQ(d->payload, R"({"type":"play_stop","id":"evt-1","seq":1,"data":{}})");
  EXPECT_EQ(d->event_id, "evt-1");
  EXPECT_EQ(d->event_type, "play_stop");
}

TEST(DeadLetterLine, Rejects) {
  std::string why;
  EXPECT_FALSE(parse_dead_letter("not json", why));
  EXPECT_FALSE(parse_dead_letter("[1]", why));
  EXPECT_FALSE(parse_dead_letter(R"({"kind":"webhook","target":"http://h/"})", why));
  EXPECT_EQ(why, "no payload object");
  EXPECT_FALSE(parse_dead_letter(R"({"target":"http://h/","payload":{}})", why));
}

TEST(DeadLetterLine, UtcTime) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1705312222045));
  EXPECT_EQ(utc_time(t), "2024-01-15T09:50:22.045Z");
}

TEST(PayloadEvent, BackToTheEvent) {
  std::string why;
  const auto e = event_from_payload(kPayload, why);
  ASSERT_TRUE(e) << why;
  EXPECT_EQ(e->type(), rtmphooks::PUBLISH_STOP);
  EXPECT_EQ(e->id(), "evt-9ae9-42");
  EXPECT_EQ(e->seq(), 42u);
  EXPECT_EQ(e->timestamp(), 1705312222);
  EXPECT_EQ(e->stream_key(), "live/test");
  EXPECT_EQ(e->publish_stop().audio_packets(), 430u);
  EXPECT_EQ(e->publish_stop().video_codec(), "H264");
  EXPECT_DOUBLE_EQ(e->publish_stop().duration_sec(), 10.02);
  EXPECT_EQ(e->publish_stop().reason(), "client");
  EXPECT_FALSE(event_from_payload(R"({"type":"nope"})", why));
  EXPECT_FALSE(event_from_payload("[]", why));
}

}  // namespace
}  // namespace rtmp::dispatcher
