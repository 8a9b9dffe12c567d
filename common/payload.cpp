#include "common/payload.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace rtmp::common {
namespace {

namespace pb = google::protobuf;

// One rendered field: its key, its value as text, and whether it is a string
// (quoted in JSON) or a number/bool (bare in JSON).
struct Field {
  std::string_view key;
  std::string value;
  bool is_string = false;
};

std::string format_double(double v) {
  if (!std::isfinite(v)) {
    return std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc{}) return "0";
  return std::string(buf.data(), end);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return 0;
  return len;
}

void append_unicode_escape(std::string& out, unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", value);
  out += buf;
}

// The backslash escapes JSON strings and quoted logfmt values share: quote,
// backslash, \n, \r, \t, and \u00XX for other control characters. False
// when `c` needs none.
bool append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return true;
    case '\\':
      out += "\\\\";
      return true;
    case '\n':
      out += "\\n";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\t':
      out += "\\t";
      return true;
    default:
      if (c < 0x20 || c == 0x7F) {
        append_unicode_escape(out, c);
        return true;
      }
      return false;
  }
}

// Whether a byte below 0x80 goes into a JSON string as it is.
bool json_plain(unsigned char c) {
  return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F;
}

// A JSON string literal; invalid UTF-8 bytes become U+FFFD so the line stays JSON.
// Runs of bytes that need no escape are appended at once.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80 &&
           json_plain(static_cast<unsigned char>(s[run])))
      ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    append_escape(out, c);
    ++i;
  }
  out += '"';
}

template <typename T>
void append_number(std::string& out, T v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

// A double as JSON: shortest round-trip digits; NaN and infinities (no JSON
// number) as null.
void append_json_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
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

// `"key":value` of one scalar field of `msg`, written straight into `out`
// (the same text as rendering it through Field). Proto field names are
// identifiers: the key needs no escaping.
void append_json_field(std::string& out, const pb::Message& msg, const pb::Reflection* r,
                       const pb::FieldDescriptor* fd) {
  out += '"';
  out += fd->name();
  out += "\":";
  switch (fd->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      append_number(out, r->GetInt32(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      append_number(out, r->GetInt64(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      append_number(out, r->GetUInt32(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      append_number(out, r->GetUInt64(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      append_json_double(out, r->GetDouble(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      append_json_double(out, r->GetFloat(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      out += r->GetBool(msg, fd) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      append_json_string(out, r->GetEnum(msg, fd)->name());
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      append_json_string(out, r->GetStringReference(msg, fd, &scratch));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      out += "null";  // not reached: for_each_data_field skips them
      break;
  }
}

bool logfmt_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F) return true;
  }
  return false;
}

void append_logfmt_value(std::string& out, std::string_view s) {
  if (!logfmt_needs_quotes(s)) {
    out += s;
    return;
  }
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (!append_escape(out, c)) out += ch;
  }
  out += '"';
}

// The scalar value of one field of `msg`, as text.
Field scalar_field(const pb::Message& msg, const pb::FieldDescriptor* fd) {
  const pb::Reflection* r = msg.GetReflection();
  Field f{fd->name(), {}, false};
  switch (fd->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      f.value = std::to_string(r->GetInt32(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      f.value = std::to_string(r->GetInt64(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      f.value = std::to_string(r->GetUInt32(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      f.value = std::to_string(r->GetUInt64(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      f.value = format_double(r->GetDouble(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      f.value = format_double(r->GetFloat(msg, fd));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      f.value = r->GetBool(msg, fd) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      f.value = r->GetEnum(msg, fd)->name();
      f.is_string = true;
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      f.value = r->GetString(msg, fd);
      f.is_string = true;
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;  // events.proto data has none
  }
  return f;
}

// Calls f(data, reflection, fd) for each scalar field of the event's data message in proto
// field order; optional fields only when present.
template <typename F>
void for_each_data_field(const rtmphooks::Event& event, F&& f) {
  static const pb::OneofDescriptor* const oneof =
      rtmphooks::Event::descriptor()->FindOneofByName("data");
  const pb::Reflection* r = event.GetReflection();
  const pb::FieldDescriptor* set = r->GetOneofFieldDescriptor(event, oneof);
  if (set == nullptr) return;
  const pb::Message& data = r->GetMessage(event, set);
  const pb::Descriptor* d = data.GetDescriptor();
  const pb::Reflection* dr = data.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* fd = d->field(i);
    if (fd->is_repeated() || fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (fd->has_presence() && !dr->HasField(data, fd)) continue;
    f(data, dr, fd);
  }
}

// The fields of the event's data message in proto field order; optional
// fields only when present.
std::vector<Field> data_fields(const rtmphooks::Event& event) {
  std::vector<Field> fields;
  for_each_data_field(
      event, [&](const pb::Message& data, const pb::Reflection*, const pb::FieldDescriptor* fd) {
        fields.push_back(scalar_field(data, fd));
      });
  return fields;
}

// The type name, from `type` or else from which data alternative is set.
std::string_view type_name(const rtmphooks::Event& event) {
  std::string_view name = event_name(event.type());
  if (name.empty() && event.data_case() != rtmphooks::Event::DATA_NOT_SET) {
    const pb::FieldDescriptor* fd =
        rtmphooks::Event::descriptor()->FindFieldByNumber(static_cast<int>(event.data_case()));
    if (fd != nullptr) name = fd->name();
  }
  return name;
}

// type, timestamp, conn_id, stream_key, id, seq (keys as in the JSON payload).
std::vector<Field> header_fields(const rtmphooks::Event& event) {
  return {
      {"type", std::string(type_name(event)), true},
      {"timestamp", std::to_string(event.timestamp()), false},
      {"conn_id", event.conn_id(), true},
      {"stream_key", event.stream_key(), true},
      {"id", event.id(), true},
      {"seq", std::to_string(event.seq()), false},
  };
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
      "codec_detected",    "subscriber_count",   "auth_failed",   "connection_close"};
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

std::string render_json(const rtmphooks::Event& event) {
  std::string out;
  out.reserve(320);
  out += "{\"type\":";
  append_json_string(out, type_name(event));
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
  out += ",\"data\":{";
  bool first = true;
  for_each_data_field(
      event, [&](const pb::Message& data, const pb::Reflection* r, const pb::FieldDescriptor* fd) {
        if (!first) out += ',';
        first = false;
        append_json_field(out, data, r, fd);
      });
  out += "}}";
  return out;
}

std::string render_logfmt(const rtmphooks::Event& event) {
  std::string out;
  out.reserve(256);
  auto append = [&](const Field& f) {
    if (!out.empty()) out += ' ';
    out += f.key;
    out += '=';
    append_logfmt_value(out, f.value);
  };
  for (const Field& f : header_fields(event)) append(f);
  for (const Field& f : data_fields(event)) append(f);
  return out;
}

std::vector<std::pair<std::string, std::string>> script_env(const rtmphooks::Event& event) {
  std::vector<std::pair<std::string, std::string>> env;
  env.emplace_back("RTMP_EVENT_TYPE", std::string(type_name(event)));
  env.emplace_back("RTMP_TIMESTAMP", std::to_string(event.timestamp()));
  env.emplace_back("RTMP_CONN_ID", event.conn_id());
  env.emplace_back("RTMP_STREAM_KEY", event.stream_key());
  env.emplace_back("RTMP_EVENT_ID", event.id());
  env.emplace_back("RTMP_SEQ", std::to_string(event.seq()));
  for (Field& f : data_fields(event)) {
    env.emplace_back("RTMP_" + upper(f.key), std::move(f.value));
  }
  return env;
}

}  // namespace rtmp::common
