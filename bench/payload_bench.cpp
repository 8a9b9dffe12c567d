// rtmp-payload-bench: the webhook payload renderer (common::render_json)
// against Boost.JSON's serializer on the same events. Not installed.
//
//   rtmp-payload-bench [rounds] [events-per-round] [only]   (defaults 7, 200000)
//
// `only` (render_json, boost or serialize) runs that one way alone, for
// instruction counts under callgrind (subtract a run with 0 events).
//
// Each round renders a mix of the events one published stream gives (accept,
// handshake, stream create, publish start, two codec_detected, subscriber
// counts, publish_stop, play_stop, close, an auth failure) three ways:
//   render_json            the hand-written renderer the dispatcher uses;
//   boost build+serialize  a boost::json::object built from the event, then
//                          boost::json::serialize (what replacing it means);
//   boost serialize only   boost::json::serialize of values built beforehand
//                          (the serializer alone, a lower bound).
// Prints ns per event per round and the median of each, and checks once that
// both give the same JSON value for every event of the mix.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "common/event_fields.hpp"
#include "common/payload.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

rtmphooks::Event header(rtmphooks::EventType type, uint64_t seq) {
  rtmphooks::Event e;
  e.set_type(type);
  e.set_timestamp(1705312222 + static_cast<int64_t>(seq));
  e.set_conn_id("conn-7f3a9c");
  e.set_stream_key("live/camera-" + std::to_string(seq % 100));
  e.set_id("evt-1f2e3d4c5b6a7980-" + std::to_string(seq));
  e.set_seq(seq);
  e.set_ingest_id("ingest-5b6a7980");
  return e;
}

std::vector<rtmphooks::Event> event_mix() {
  std::vector<rtmphooks::Event> mix;
  uint64_t seq = 1;
  auto add = [&](rtmphooks::EventType type) -> rtmphooks::Event& {
    mix.push_back(header(type, seq++));
    return mix.back();
  };
  add(rtmphooks::CONNECTION_ACCEPT).mutable_connection_accept()->set_remote_addr("10.1.2.3:50412");
  add(rtmphooks::HANDSHAKE_COMPLETE).mutable_handshake_complete();
  add(rtmphooks::STREAM_CREATE).mutable_stream_create();
  add(rtmphooks::PUBLISH_START).mutable_publish_start();
  auto* video = add(rtmphooks::CODEC_DETECTED).mutable_codec_detected();
  video->set_media("video");
  video->set_codec("H264");
  video->set_width(1920);
  video->set_height(1080);
  video->set_fps(29.97);
  video->set_profile("High");
  video->set_level("4.1");
  auto* audio = add(rtmphooks::CODEC_DETECTED).mutable_codec_detected();
  audio->set_media("audio");
  audio->set_codec("AAC");
  audio->set_sample_rate(48000);
  audio->set_channels(2);
  add(rtmphooks::SUBSCRIBER_COUNT).mutable_subscriber_count()->set_count(1);
  add(rtmphooks::SUBSCRIBER_COUNT).mutable_subscriber_count()->set_count(0);
  add(rtmphooks::PLAY_STOP).mutable_play_stop()->set_duration_sec(61.25);
  auto* stop = add(rtmphooks::PUBLISH_STOP).mutable_publish_stop();
  stop->set_audio_packets(28125);
  stop->set_video_packets(18000);
  stop->set_total_bytes(451829112);
  stop->set_audio_codec("AAC");
  stop->set_video_codec("H264");
  stop->set_duration_sec(600.02);
  auto* close = add(rtmphooks::CONNECTION_CLOSE).mutable_connection_close();
  close->set_role("publisher");
  close->set_duration_sec(600.5);
  auto* denied = add(rtmphooks::AUTH_FAILED).mutable_auth_failed();
  denied->set_action("publish");
  denied->set_error("invalid token for \"live/camera-7\"");
  denied->set_remote_addr("10.1.2.4:50413");
  return mix;
}

// The payload as a Boost.JSON value, same keys in the same order.
json::value to_value(const rtmphooks::Event& event) {
  json::object data;
  rtmp::common::for_each_data_field(
      event,
      [&](std::string_view key, const google::protobuf::Message& msg,
          const google::protobuf::Reflection* r, const google::protobuf::FieldDescriptor* fd) {
        rtmp::common::visit_scalar(msg, r, fd, [&](auto v) {
          using T = decltype(v);
          if constexpr (std::is_same_v<T, std::string_view>) {
            data.emplace(key, json::string(v));
          } else {
            data.emplace(key, v);
          }
        });
      });
  json::object o;
  o.reserve(7);
  o.emplace("type", rtmp::common::event_type_name(event));
  o.emplace("timestamp", event.timestamp());
  o.emplace("conn_id", event.conn_id());
  o.emplace("stream_key", event.stream_key());
  o.emplace("id", event.id());
  o.emplace("seq", event.seq());
  o.emplace("data", std::move(data));
  return o;
}

template <typename F>
double ns_per_event(int count, const std::vector<rtmphooks::Event>& mix, F&& render) {
  size_t bytes = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) bytes += render(mix[static_cast<size_t>(i) % mix.size()]).size();
  const auto t1 = Clock::now();
  if (bytes == 0 && count > 0) std::abort();  // keeps the work observable
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / count;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int count = argc > 2 ? std::atoi(argv[2]) : 200000;
  const std::string only = argc > 3 ? argv[3] : "";
  if (rounds < 1 || count < 0 ||
      (!only.empty() && only != "render_json" && only != "boost" && only != "serialize")) {
    std::fprintf(stderr,
                 "usage: rtmp-payload-bench [rounds] [events-per-round] "
                 "[render_json|boost|serialize]\n");
    return 2;
  }
  const auto mix = event_mix();
  std::vector<json::value> values;
  for (const auto& e : mix) {
    values.push_back(to_value(e));
    if (json::parse(rtmp::common::render_json(e)) != values.back()) {
      std::fprintf(stderr, "not the same value:\n%s\n%s\n", rtmp::common::render_json(e).c_str(),
                   json::serialize(values.back()).c_str());
      return 1;
    }
  }
  std::printf(
      "same JSON values for all %zu events of the mix; e.g.\n  render_json: %s\n  boost:       "
      "%s\n",
      mix.size(), rtmp::common::render_json(mix[9]).c_str(), json::serialize(values[9]).c_str());
  if (!only.empty()) {
    size_t i = 0;
    size_t bytes = 0;
    for (int n = 0; n < count; ++n, ++i) {
      const auto& e = mix[i % mix.size()];
      bytes += only == "render_json" ? rtmp::common::render_json(e).size()
               : only == "boost"     ? json::serialize(to_value(e)).size()
                                     : json::serialize(values[i % values.size()]).size();
    }
    std::printf("%s: %d events, %zu bytes\n", only.c_str(), count, bytes);
    return 0;
  }
  std::vector<double> hand, boost_full, boost_serialize;
  for (int r = 0; r < rounds; ++r) {
    hand.push_back(
        ns_per_event(count, mix, [](const auto& e) { return rtmp::common::render_json(e); }));
    boost_full.push_back(
        ns_per_event(count, mix, [](const auto& e) { return json::serialize(to_value(e)); }));
    size_t i = 0;
    boost_serialize.push_back(ns_per_event(
        count, mix, [&](const auto&) { return json::serialize(values[i++ % values.size()]); }));
    std::printf(
        "round %d: render_json %.0f ns, boost build+serialize %.0f ns, boost serialize only %.0f "
        "ns\n",
        r + 1, hand.back(), boost_full.back(), boost_serialize.back());
  }
  const double h = median(hand), f = median(boost_full), s = median(boost_serialize);
  std::printf(
      "median ns/event over %d rounds of %d events: render_json %.0f, boost build+serialize "
      "%.0f (%.2fx), boost serialize only %.0f (%.2fx)\n",
      rounds, count, h, f, f / h, s, s / h);
  return 0;
}
