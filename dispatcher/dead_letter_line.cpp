#include "dispatcher/dead_letter_line.hpp"

#include <fmt/format.h>
#include <time.h>

#include <boost/json.hpp>

#include "common/json_text.hpp"

namespace rtmp::dispatcher {
namespace {

namespace json = boost::json;

constexpr std::string_view kPayloadKey = ",\"payload\":";

void add_string(std::string& out, std::string_view key, std::string_view value) {
  out.append(",\"").append(key).append("\":");
  common::append_json_string(out, value);
}

std::string string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The payload's text as the line holds it: what follows `,"payload":` up to
// the line's closing brace. That sequence cannot occur inside a JSON string
// (its quotes would be escaped there), and the writer puts the payload last;
// a line rewritten by other tools falls back to re-serializing.
std::string payload_text(std::string_view line, const json::value& payload) {
  const size_t at = line.find(kPayloadKey);
  if (at != std::string_view::npos) {
    std::string_view rest = line.substr(at + kPayloadKey.size());
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r' || rest.back() == '\n'))
      rest.remove_suffix(1);
    if (!rest.empty() && rest.back() == '}') {
      rest.remove_suffix(1);
      json::error_code ec;
      const json::value again = json::parse(rest, ec);
      if (!ec && again == payload) return std::string(rest);
    }
  }
  return json::serialize(payload);
}

}  // namespace

std::string utc_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string dead_letter_line(const DeadLetter& d) {
  std::string out = "{\"time\":";
  common::append_json_string(out, d.time);
  add_string(out, "kind", d.kind);
  add_string(out, "target", d.target);
  out.append(",\"credentials_removed\":").append(d.credentials_removed ? "true" : "false");
  if (!d.target_id.empty()) add_string(out, "target_id", d.target_id);
  add_string(out, "event_id", d.event_id);
  add_string(out, "event_type", d.event_type);
  out.append(",\"attempts\":").append(std::to_string(d.attempts));
  add_string(out, "error", d.error);
  if (!d.message_id.empty()) add_string(out, "message_id", d.message_id);
  out.append(kPayloadKey).append(d.payload).append("}");
  return out;
}

std::optional<DeadLetter> parse_dead_letter(std::string_view line, std::string& why) {
  json::error_code ec;
  const json::value v = json::parse(line, ec);
  if (ec) {
    why = "not JSON: " + ec.message();
    return std::nullopt;
  }
  if (!v.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  const json::object& o = v.get_object();
  DeadLetter d;
  d.time = string_member(o, "time");
  d.kind = string_member(o, "kind");
  d.target = string_member(o, "target");
  d.event_id = string_member(o, "event_id");
  d.event_type = string_member(o, "event_type");
  d.error = string_member(o, "error");
  d.message_id = string_member(o, "message_id");
  d.target_id = string_member(o, "target_id");
  if (const auto* c = o.if_contains("credentials_removed"); c && c->is_bool())
    d.credentials_removed = c->get_bool();
  if (const auto* a = o.if_contains("attempts"); a && a->is_int64())
    d.attempts = static_cast<int>(a->get_int64());
  const auto* payload = o.if_contains("payload");
  if (d.kind.empty() || d.target.empty()) {
    why = "no kind or target";
    return std::nullopt;
  }
  if (!payload || !payload->is_object()) {
    why = "no payload object";
    return std::nullopt;
  }
  d.payload = payload_text(line, *payload);
  if (d.event_id.empty()) d.event_id = string_member(payload->get_object(), "id");
  if (d.event_type.empty()) d.event_type = string_member(payload->get_object(), "type");
  return d;
}

}  // namespace rtmp::dispatcher
