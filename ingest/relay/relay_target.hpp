#pragma once
// -relay-to URLs: parsed once at startup, resolved per published stream.
//   rtmp://host[:port]/app            the stream's name is appended
//   rtmp://host/app/{name}?k=v        placeholders {app}, {name}, {key} (app/name)
//   rtmps://host/app                  the same over TLS (port 443 by default)
// The query string (a target's token) goes to the target with the publish
// name and nowhere else: `redacted` (the URL without it) is what logs,
// events and metrics show.
#include <cstdint>
#include <optional>
#include <string>

namespace rtmp::relay {

struct RelayTarget {
  std::string scheme;  // "rtmp" or "rtmps"
  std::string host;    // IPv6 without brackets
  uint16_t port = 0;
  std::string path;   // after the authority, without the leading '/' and the query
  std::string query;  // without the '?'; "" when none
};

// Why `url` is not a relay target ("" when it is one), filling `out`.
std::string parse_relay_target(const std::string& url, RelayTarget& out);

// One target for one stream: what the RTMP client sends.
struct RelayEndpoint {
  std::string scheme, host;
  uint16_t port = 0;
  std::string app;          // connect's app
  std::string stream_name;  // publish's name, the target's query appended
  std::string tc_url;       // scheme://host:port/app
  std::string redacted;     // scheme://host:port/app/name: no query, for logs and events
};

// The endpoint for the stream `app`/`name`; empty when the path leaves no
// app or no stream name (e.g. rtmp://host/{name} of an app-less key).
std::optional<RelayEndpoint> resolve(const RelayTarget& target, const std::string& app,
                                     const std::string& name);

// `url` without its query string (for a flag error that must not echo a token).
std::string redact_url(const std::string& url);

}  // namespace rtmp::relay
