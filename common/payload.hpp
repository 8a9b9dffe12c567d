#pragma once
// The event payload (SPEC §4) rendered from proto/events.proto: the JSON body
// of webhooks, the stdin of scripts, the stdio hook's and the ingest's stdio
// fallback lines; plus the logfmt line and the script environment (SPEC §5).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events.pb.h"

namespace rtmp::common {

// All twelve SPEC event names, in SPEC §3 order.
const std::vector<std::string>& event_names();
std::string_view event_name(rtmphooks::EventType type);  // "" for unspecified
std::optional<rtmphooks::EventType> event_type_from_name(std::string_view name);

// {"type":…,"timestamp":…,"conn_id":…,"stream_key":…,"id":…,"seq":…,"data":{…}}
// on one line, no trailing newline. Numbers are JSON numbers; absent optional
// data fields are left out.
std::string render_json(const rtmphooks::Event& event);

// One logfmt line, keys in a fixed order: type timestamp conn_id stream_key id
// seq, then the data keys in proto field order. No trailing newline.
std::string render_logfmt(const rtmphooks::Event& event);

// RTMP_EVENT_TYPE, RTMP_TIMESTAMP, RTMP_CONN_ID, RTMP_STREAM_KEY, RTMP_EVENT_ID,
// RTMP_SEQ and RTMP_<DATA_KEY> for each data field present.
std::vector<std::pair<std::string, std::string>> script_env(const rtmphooks::Event& event);

}  // namespace rtmp::common
