#pragma once
// The event payload rendered from proto/events.proto: the JSON body of
// webhooks, the stdin of scripts, the stdio hook's and the ingest's stdio
// fallback lines; plus the logfmt line and the script environment. Strings go
// through common/json_text.hpp (one escaping, one invalid-UTF-8 policy).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events.pb.h"

namespace rtmp::common {

// The event names, in EventType order.
const std::vector<std::string>& event_names();
std::string_view event_name(rtmphooks::EventType type);  // "" for unspecified
std::optional<rtmphooks::EventType> event_type_from_name(std::string_view name);
// The event's type name, from `type` or else from which data alternative is set.
std::string_view event_type_name(const rtmphooks::Event& event);

// {"type":…,"timestamp":…,"conn_id":…,"stream_key":…,"id":…,"seq":…,"node":…,"data":{…}}
// on one line, no trailing newline. Numbers are JSON numbers; absent optional
// data fields are left out.
std::string render_json(const rtmphooks::Event& event);
// The `data` object alone, as render_json writes it ("{}" when none is set).
void append_json_data(std::string& out, const rtmphooks::Event& event);

// One logfmt line, keys in a fixed order: type timestamp conn_id stream_key id
// seq node, then the data keys in proto field order. No trailing newline.
std::string render_logfmt(const rtmphooks::Event& event);

// The variables a script hook gets, in this fixed order: RTMP_EVENT_TYPE,
// RTMP_TIMESTAMP, RTMP_CONN_ID, RTMP_STREAM_KEY, RTMP_EVENT_ID, RTMP_SEQ,
// RTMP_NODE, then
// RTMP_<DATA_KEY> for each data field present, in proto field order. Values are
// the plain text (numbers as in the JSON payload; NaN, +Inf, -Inf where JSON
// has null); a value ends at its first NUL byte, as an environment variable does.
std::vector<std::pair<std::string, std::string>> script_env(const rtmphooks::Event& event);

// The stdio hook's env line: script_env as POSIX shell assignments on one
// line (common/shell_quote.hpp), so `eval "$line"` sets exactly the variables
// the script gets, byte for byte. No trailing newline.
std::string render_env(const rtmphooks::Event& event);

}  // namespace rtmp::common
