#pragma once
// One dead letter: a hook execution that finally failed, as one JSON line of
// the -dead-letter file (docs/failures.md), and that line read back for
// -replay. The payload is the last member and written verbatim, so a replay
// sends the receiver the very bytes the first delivery did.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rtmp::dispatcher {

struct DeadLetter {
  std::string time;    // when it failed finally: UTC, RFC 3339 with milliseconds
  std::string kind;    // hook kind name: webhook, script, nats
  std::string target;  // credentials removed (redact.hpp); a script's path
  bool credentials_removed = false;
  // With credentials_removed: target_id() of the full target, so -replay
  // picks the very hook among several whose targets differ only in
  // credentials; "" in letters of older versions.
  std::string target_id;
  std::string event_id;
  std::string event_type;
  int attempts = 0;  // 0: never ran (abandoned at shutdown)
  std::string error;
  std::string message_id;  // a NATS publish's Nats-Msg-Id; "" for other kinds
  std::string payload;     // the event's JSON payload, one object
};

// {"time":…,"kind":…,"target":…,"credentials_removed":…[,"target_id":…],
//  "event_id":…,"event_type":…,"attempts":…,"error":…[,"message_id":…],
//  "payload":{…}} without a newline; target_id and message_id only when set.
// `payload` must be a JSON object (the dispatcher's rendering of the event).
std::string dead_letter_line(const DeadLetter& letter);

// RFC 3339 UTC with milliseconds: 2026-12-06T11:30:00.123Z.
std::string utc_time(std::chrono::system_clock::time_point t);

// The line read back; nullopt with `why` set when it is not a dead letter.
std::optional<DeadLetter> parse_dead_letter(std::string_view line, std::string& why);

}  // namespace rtmp::dispatcher
