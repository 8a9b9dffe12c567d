#include "common/payload.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/event_fields.hpp"
#include "common/json_text.hpp"
#include "common/logfmt.hpp"
#include "common/shell_quote.hpp"

namespace rtmp::common {
namespace {

namespace pb = google::protobuf;

template <typename T>
void append_number(std::string& out, T v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

// Shortest round-trip digits. JSON has no number for NaN and the infinities:
// there they are null; as text (logfmt, environment) NaN, +Inf, -Inf.
void append_double(std::string& out, double v, bool json) {
  if (!std::isfinite(v)) {
    out += json ? "null" : std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    return;
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc{}) {
    out += '0';
    return;
  }
  out.append(buf.data(), end);
}

// Appends a scalar value: as a JSON value (strings quoted and escaped) or as
// plain text (for logfmt and the environment, which quote it themselves).
struct ValueWriter {
  std::string& out;
  bool json;
  void operator()(int64_t v) const { append_number(out, v); }
  void operator()(uint64_t v) const { append_number(out, v); }
  void operator()(double v) const { append_double(out, v, json); }
  void operator()(bool v) const { out += v ? "true" : "false"; }
  void operator()(std::string_view v) const {
    if (json) {
      append_json_string(out, v);
    } else {
      out += v;
    }
  }
};

// Calls f(key, text) for every field of the event as text, in the fixed order
// of logfmt and the environment: type timestamp conn_id stream_key id seq
// node, then the data fields in proto field order.
template <typename F>
void for_each_text_field(const rtmphooks::Event& event, F&& f) {
  std::string value;
  f(std::string_view("type"), event_type_name(event));
  value.clear();
  append_number(value, event.timestamp());
  f(std::string_view("timestamp"), std::string_view(value));
  f(std::string_view("conn_id"), std::string_view(event.conn_id()));
  f(std::string_view("stream_key"), std::string_view(event.stream_key()));
  f(std::string_view("id"), std::string_view(event.id()));
  value.clear();
  append_number(value, event.seq());
  f(std::string_view("seq"), std::string_view(value));
  f(std::string_view("node"), std::string_view(event.node()));
  for_each_data_field(event, [&](std::string_view key, const pb::Message& data,
                                 const pb::Reflection* r, const pb::FieldDescriptor* fd) {
    value.clear();
    visit_scalar(data, r, fd, ValueWriter{value, false});
    f(key, std::string_view(value));
  });
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

const std::vector<std::string>& event_names() {
  static const std::vector<std::string> names = {
      "connection_accept", "handshake_complete", "stream_create", "stream_delete",
      "publish_start",     "publish_stop",       "play_start",    "play_stop",
      "codec_detected",    "subscriber_count",   "auth_failed",   "connection_close",
      "recording_start",   "segment_complete",   "recording_stop",
      "relay_start",       "relay_stop",         "relay_error",
      "stream_stats"};
  return names;
}

std::string_view event_name(rtmphooks::EventType type) {
  const int index = static_cast<int>(type) - 1;
  const auto& names = event_names();
  if (index < 0 || index >= static_cast<int>(names.size())) return {};
  return names[static_cast<size_t>(index)];
}

std::optional<rtmphooks::EventType> event_type_from_name(std::string_view name) {
  const auto& names = event_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<rtmphooks::EventType>(i + 1);
  }
  return std::nullopt;
}

std::string_view event_type_name(const rtmphooks::Event& event) {
  std::string_view name = event_name(event.type());
  if (name.empty() && event.data_case() != rtmphooks::Event::DATA_NOT_SET) {
    const google::protobuf::FieldDescriptor* fd =
        rtmphooks::Event::descriptor()->FindFieldByNumber(static_cast<int>(event.data_case()));
    if (fd != nullptr) name = fd->name();
  }
  return name;
}

void append_json_data(std::string& out, const rtmphooks::Event& event) {
  out += '{';
  bool first = true;
  for_each_data_field(event, [&](std::string_view key, const pb::Message& data,
                                 const pb::Reflection* r, const pb::FieldDescriptor* fd) {
    if (!first) out += ',';
    first = false;
    // Proto field names are identifiers: the key needs no escaping.
    out += '"';
    out += key;
    out += "\":";
    visit_scalar(data, r, fd, ValueWriter{out, true});
  });
  out += '}';
}

std::string render_json(const rtmphooks::Event& event) {
  std::string out;
  out.reserve(320);
  out += "{\"type\":";
  append_json_string(out, event_type_name(event));
  out += ",\"timestamp\":";
  append_number(out, event.timestamp());
  out += ",\"conn_id\":";
  append_json_string(out, event.conn_id());
  out += ",\"stream_key\":";
  append_json_string(out, event.stream_key());
  out += ",\"id\":";
  append_json_string(out, event.id());
  out += ",\"seq\":";
  append_number(out, event.seq());
  out += ",\"node\":";
  append_json_string(out, event.node());
  out += ",\"data\":";
  append_json_data(out, event);
  out += '}';
  return out;
}

std::string render_logfmt(const rtmphooks::Event& event) {
  std::string out;
  out.reserve(256);
  for_each_text_field(event, [&](std::string_view key, std::string_view value) {
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    append_logfmt_value(out, value);
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> script_env(const rtmphooks::Event& event) {
  static constexpr std::pair<std::string_view, std::string_view> kHeaderNames[] = {
      {"type", "RTMP_EVENT_TYPE"}, {"timestamp", "RTMP_TIMESTAMP"},
      {"conn_id", "RTMP_CONN_ID"}, {"stream_key", "RTMP_STREAM_KEY"},
      {"id", "RTMP_EVENT_ID"},     {"seq", "RTMP_SEQ"},
      {"node", "RTMP_NODE"}};
  std::vector<std::pair<std::string, std::string>> env;
  for_each_text_field(event, [&](std::string_view key, std::string_view value) {
    std::string name;
    if (env.size() < std::size(kHeaderNames)) {
      name = kHeaderNames[env.size()].second;
    } else {
      name = "RTMP_" + upper(key);
    }
    // A process environment ends a value at NUL; cutting it here gives the
    // stdio hook's env line the same value the script sees.
    env.emplace_back(std::move(name), std::string(value.substr(0, value.find('\0'))));
  });
  return env;
}

std::string render_env(const rtmphooks::Event& event) {
  return shell_assignments(script_env(event));
}

}  // namespace rtmp::common
