// event_pusher: stands in for rtmp-ingest in the dispatcher's process tests.
// Binds a ZeroMQ PUSH socket, optionally waits for N connected dispatchers,
// sends N protobuf events (seq from 1, id evt-<ingest>-<seq>) at a rate, and
// lingers until they are delivered. Prints "bound <endpoint>", "peers <n>" and
// "sent <n>" on stdout for the test to wait on.
#include <zmq.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/flags.hpp"
#include "common/payload.hpp"
#include "events.pb.h"

namespace {

using rtmp::common::FlagError;

rtmphooks::Event make_event(rtmphooks::EventType type, uint64_t seq, const std::string& ingest,
                            const std::string& node) {
  rtmphooks::Event e;
  e.set_type(type);
  e.set_timestamp(std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  e.set_conn_id("conn-" + std::to_string(seq % 7));
  e.set_stream_key("live/test");
  e.set_id("evt-" + ingest + "-" + std::to_string(seq));
  e.set_seq(seq);
  e.set_ingest_id(ingest);
  e.set_node(node);
  e.set_emitted_unix_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
  using T = rtmphooks::EventType;
  switch (type) {
    case T::CONNECTION_ACCEPT:
      e.mutable_connection_accept()->set_remote_addr("127.0.0.1:50000");
      break;
    case T::HANDSHAKE_COMPLETE:
      e.mutable_handshake_complete();
      break;
    case T::STREAM_CREATE:
      e.mutable_stream_create();
      break;
    case T::STREAM_DELETE:
      e.mutable_stream_delete();
      break;
    case T::PUBLISH_START:
      e.mutable_publish_start();
      break;
    case T::PUBLISH_STOP: {
      auto* d = e.mutable_publish_stop();
      d->set_audio_packets(430);
      d->set_video_packets(300);
      d->set_total_bytes(1830112 + seq);
      d->set_audio_codec("AAC");
      d->set_video_codec("H264");
      d->set_duration_sec(10.02);
      break;
    }
    case T::PLAY_START:
      e.mutable_play_start();
      break;
    case T::PLAY_STOP:
      e.mutable_play_stop()->set_duration_sec(3.5);
      break;
    case T::CODEC_DETECTED: {
      auto* d = e.mutable_codec_detected();
      d->set_media("video");
      d->set_codec("H264");
      d->set_width(1280);
      d->set_height(720);
      d->set_fps(30);
      d->set_profile("High");
      d->set_level("3.1");
      break;
    }
    case T::SUBSCRIBER_COUNT:
      e.mutable_subscriber_count()->set_count(static_cast<uint32_t>(seq % 5));
      break;
    case T::AUTH_FAILED: {
      auto* d = e.mutable_auth_failed();
      d->set_action("publish");
      d->set_error("bad \"token\"");
      d->set_remote_addr("127.0.0.1:50001");
      break;
    }
    case T::CONNECTION_CLOSE: {
      auto* d = e.mutable_connection_close();
      d->set_role("publisher");
      d->set_duration_sec(12.5);
      break;
    }
    default:
      break;
  }
  return e;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const auto end = comma == std::string::npos ? s.size() : comma;
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Counts dispatchers whose ZMTP handshake completed, minus those that left.
class PeerCounter {
 public:
  PeerCounter(zmq::context_t& ctx, zmq::socket_t& socket) : pair_(ctx, zmq::socket_type::pair) {
    zmq_socket_monitor(socket.handle(), "inproc://pusher-monitor",
                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED);
    pair_.connect("inproc://pusher-monitor");
  }
  // Reads monitor events for up to `wait`; returns the current count.
  int poll(std::chrono::milliseconds wait) {
    zmq::pollitem_t item{pair_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, wait) <= 0) return peers_;
    zmq::message_t head, addr;
    while (pair_.recv(head, zmq::recv_flags::dontwait)) {
      (void)pair_.recv(addr);
      uint16_t ev = 0;
      std::memcpy(&ev, head.data(), sizeof ev);
      peers_ += ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? 1 : -1;
      std::printf("peers %d\n", peers_);
      std::fflush(stdout);
    }
    return peers_;
  }

 private:
  zmq::socket_t pair_;
  int peers_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  rtmp::common::FlagSet flags("event_pusher", "EVENT_PUSHER_");
  std::string bind, types, ingest, node, skip;
  int64_t count = 0, rate = 0, wait_peers = 0, sndhwm = 1000;
  rtmp::common::Duration linger{};
  flags.add_string("bind", &bind, "tcp://127.0.0.1:*", "endpoint to bind the PUSH socket");
  flags.add_int("count", &count, 10, 0, 100000000, "events to send");
  flags.add_int("rate", &rate, 0, 0, 10000000, "events per second; 0 = as fast as possible");
  flags.add_string("types", &types, "", "comma-separated event types, cycled; empty = all twelve");
  flags.add_string("ingest-id", &ingest, "pusher", "ingest_id of the events");
  flags.add_string("node", &node, "pusher-node", "node of the events (an ingest's -node-id)");
  flags.add_string("skip", &skip, "", "comma-separated seqs not to send (a gap)");
  flags.add_int("wait-peers", &wait_peers, 0, 0, 1000, "dispatchers to wait for before sending");
  flags.add_int("sndhwm", &sndhwm, 1000, 0, 10000000, "ZMQ_SNDHWM");
  flags.add_duration("linger", &linger, std::chrono::seconds(30), "how long to deliver at exit");
  rtmp::common::parse_flags_or_exit(flags, argc, argv);

  std::vector<rtmphooks::EventType> cycle;
  for (const auto& name : split(types)) {
    auto t = rtmp::common::event_type_from_name(name);
    if (!t) {
      std::fprintf(stderr, "unknown event type %s\n", name.c_str());
      return 2;
    }
    cycle.push_back(*t);
  }
  // Default: the twelve connection and stream lifecycle events, whatever kinds
  // of event are added later (tests count rounds of twelve).
  if (cycle.empty())
    for (int t = rtmphooks::CONNECTION_ACCEPT; t <= rtmphooks::CONNECTION_CLOSE; ++t)
      cycle.push_back(static_cast<rtmphooks::EventType>(t));
  std::vector<uint64_t> skipped;
  for (const auto& s : split(skip)) skipped.push_back(std::stoull(s));

  zmq::context_t ctx(1);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::sndhwm, static_cast<int>(sndhwm));
  push.set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  PeerCounter peers(ctx, push);
  push.bind(bind);
  std::printf("bound %s\n", push.get(zmq::sockopt::last_endpoint).c_str());
  std::fflush(stdout);
  while (peers.poll(std::chrono::milliseconds(100)) < wait_peers) {
  }

  const auto start = std::chrono::steady_clock::now();
  int64_t sent = 0;
  for (uint64_t seq = 1; seq <= static_cast<uint64_t>(count); ++seq) {
    if (rate > 0) {
      const auto due = start + std::chrono::microseconds(1000000 * (seq - 1) / rate);
      std::this_thread::sleep_until(due);
    }
    peers.poll(std::chrono::milliseconds(0));
    if (std::find(skipped.begin(), skipped.end(), seq) != skipped.end()) continue;
    const auto e = make_event(cycle[(seq - 1) % cycle.size()], seq, ingest, node);
    const std::string bytes = e.SerializeAsString();
    push.send(zmq::buffer(bytes), zmq::send_flags::none);
    ++sent;
  }
  std::printf("sent %lld\n", static_cast<long long>(sent));
  std::fflush(stdout);
  push.close();  // blocks up to -linger delivering what is queued
  return 0;
}
