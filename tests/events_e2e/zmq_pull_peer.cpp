// A bare ZeroMQ PULL peer for the end-to-end event tests: plain cppzmq and the
// generated protobuf of proto/events.proto, no dispatcher code.
//
//   zmq_pull_peer ENDPOINT MAX_EVENTS TIMEOUT_MS [IDLE_MS]
//
// Connects a PULL socket to ENDPOINT, prints "connecting ENDPOINT" on stderr,
// then one JSON line per rtmphooks::Event on stdout (flushed per line), shaped
// like the SPEC §4 payload plus ingest_id:
//   {"seq":1,"type":"connection_accept","timestamp":…,"conn_id":"…",
//    "stream_key":"","id":"…","ingest_id":"…","data":{"remote_addr":"…"}}
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

#include "events.pb.h"

namespace {

namespace pb = google::protobuf;

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_double(std::string& out, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

// The per-event data message as a JSON object: every field that is set (proto3
// `optional` fields only when present; plain scalars always), real numbers.
void append_data(std::string& out, const pb::Message& data) {
  const pb::Descriptor* d = data.GetDescriptor();
  const pb::Reflection* r = data.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->has_presence() && !r->HasField(data, f)) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, f->name());
    out += ':';
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32: out += std::to_string(r->GetInt32(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_INT64: out += std::to_string(r->GetInt64(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_UINT32: out += std::to_string(r->GetUInt32(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_UINT64: out += std::to_string(r->GetUInt64(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: append_double(out, r->GetDouble(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT: append_double(out, r->GetFloat(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_BOOL: out += r->GetBool(data, f) ? "true" : "false"; break;
      case pb::FieldDescriptor::CPPTYPE_STRING: append_json_string(out, r->GetString(data, f)); break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: append_json_string(out, r->GetEnum(data, f)->name()); break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE: append_data(out, r->GetMessage(data, f)); break;
    }
  }
  out += '}';
}

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
  out += ",\"data_case\":";
  // The oneof case by field name ("" when none is set), so a test can tell a
  // type whose data message is missing or of the wrong kind.
  const pb::OneofDescriptor* oneof = event.GetDescriptor()->FindOneofByName("data");
  const pb::FieldDescriptor* set = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  append_json_string(out, set ? set->name() : std::string());
  out += ",\"data\":";
  if (set) {
    append_data(out, event.GetReflection()->GetMessage(event, set));
  } else {
    out += "{}";
  }
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
