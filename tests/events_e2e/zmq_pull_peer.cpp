// A bare ZeroMQ PULL peer for the end-to-end event tests: plain cppzmq and the
// generated protobuf of proto/events.proto, no dispatcher code (only the
// project's JSON rendering of strings and of the data object).
//
//   zmq_pull_peer ENDPOINT MAX_EVENTS TIMEOUT_MS [IDLE_MS]
//
// Connects a PULL socket to ENDPOINT, prints "connecting ENDPOINT" on stderr,
// then one JSON line per rtmphooks::Event on stdout (flushed per line), shaped
// like the webhook payload plus ingest_id:
//   {"seq":1,"type":"connection_accept","timestamp":…,"conn_id":"…",
//    "stream_key":"","id":"…","ingest_id":"…","node":"…","data":{"remote_addr":"…"}}
// and "lost":[[first,last],…] after "node" when the event announces lost seqs.
// Exits 0 after MAX_EVENTS events (0 = no limit), or when IDLE_MS pass without
// an event (0 = never), or at TIMEOUT_MS in all (exit 3 when MAX_EVENTS was set
// and not reached); exit 2 on bad arguments, 4 on an unparsable message.
// SIGTERM/SIGINT: drain, i.e. go on printing what arrives until 1 s passes
// without an event, then exit 0 (so a test stopping it sees every delivery).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <zmq.hpp>

#include "common/json_text.hpp"
#include "common/payload.hpp"
#include "events.pb.h"

namespace {

namespace pb = google::protobuf;

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

using rtmp::common::append_json_string;

std::string type_name(const rtmphooks::Event& event) {
  std::string name = rtmphooks::EventType_Name(event.type());
  if (name.empty()) name = "unknown_" + std::to_string(static_cast<int>(event.type()));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string render(const rtmphooks::Event& event) {
  std::string out = "{\"seq\":" + std::to_string(event.seq()) + ",\"type\":";
  append_json_string(out, type_name(event));
  out += ",\"timestamp\":" + std::to_string(event.timestamp()) + ",\"conn_id\":";
  append_json_string(out, event.conn_id());
  out += ",\"stream_key\":";
  append_json_string(out, event.stream_key());
  out += ",\"id\":";
  append_json_string(out, event.id());
  out += ",\"ingest_id\":";
  append_json_string(out, event.ingest_id());
  out += ",\"node\":";
  append_json_string(out, event.node());
  if (event.lost_size() > 0) {
    out += ",\"lost\":[";
    for (int i = 0; i < event.lost_size(); ++i) {
      if (i) out += ',';
      out += "[" + std::to_string(event.lost(i).first()) + "," +
             std::to_string(event.lost(i).last()) + "]";
    }
    out += ']';
  }
  out += ",\"data_case\":";
  // The oneof case by field name ("" when none is set), so a test can tell a
  // type whose data message is missing or of the wrong kind.
  const pb::OneofDescriptor* oneof = event.GetDescriptor()->FindOneofByName("data");
  const pb::FieldDescriptor* set = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  append_json_string(out, set ? set->name() : std::string());
  out += ",\"data\":";
  rtmp::common::append_json_data(out, event);
  out += '}';
  return out;
}

bool parse_count(const char* s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s, &end, 10);
  return end != s && *end == '\0' && out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  long long max_events = 0, timeout_ms = 0, idle_ms = 0;
  if ((argc != 4 && argc != 5) || !parse_count(argv[2], max_events) ||
      !parse_count(argv[3], timeout_ms) || (argc == 5 && !parse_count(argv[4], idle_ms))) {
    std::fprintf(stderr, "usage: %s ENDPOINT MAX_EVENTS TIMEOUT_MS [IDLE_MS]\n", argv[0]);
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::pull);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(argv[1]);
  std::fprintf(stderr, "connecting %s\n", argv[1]);
  std::fflush(stderr);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  auto last_event = start;
  long long received = 0;
  bool draining = false;
  auto drain_from = start;
  while (max_events == 0 || received < max_events) {
    const auto now = Clock::now();
    if (g_stop && !draining) {
      draining = true;
      drain_from = now;
    }
    if (draining) {
      if (now - std::max(drain_from, last_event) >= std::chrono::seconds(1)) break;
    } else {
      if (now >= deadline) break;
      if (idle_ms > 0 && now - last_event >= std::chrono::milliseconds(idle_ms)) break;
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t message;
    if (!socket.recv(message, zmq::recv_flags::dontwait)) continue;
    rtmphooks::Event event;
    if (!event.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      std::fprintf(stderr, "unparsable message of %zu bytes after %lld events\n", message.size(),
                   received);
      return 4;
    }
    const std::string line = render(event) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    ++received;
    last_event = Clock::now();
  }
  std::fprintf(stderr, "received %lld events\n", received);
  return (!draining && max_events != 0 && received < max_events) ? 3 : 0;
}
