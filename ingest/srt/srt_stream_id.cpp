#include "ingest/srt/srt_stream_id.hpp"

#include <algorithm>

#include "ingest/auth/authorizer.hpp"

namespace rtmp::srt {
namespace {

constexpr std::string_view kPublishPrefix = "publish:";
constexpr std::string_view kAccessControlPrefix = "#!::";

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// "live/name?query" -> app, name, token, query.
std::optional<SrtStreamId> split_resource(std::string_view resource, std::string& error) {
  const auth::StreamName sn = auth::split_stream_name(std::string(resource));
  const auto slash = sn.name.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == sn.name.size()) {
    error = "stream id names no app/name";
    return std::nullopt;
  }
  SrtStreamId id;
  id.app = sn.name.substr(0, slash);
  id.name = sn.name.substr(slash + 1);
  id.key = sn.name;
  id.token = sn.token;
  id.query = sn.query;
  return id;
}

std::optional<SrtStreamId> parse_access_control(std::string_view body, std::string& error) {
  std::optional<std::string_view> resource, mode, type, token;
  while (!body.empty()) {
    const auto comma = body.find(',');
    const std::string_view pair = body.substr(0, comma);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      error = "stream id: access-control entry without '='";
      return std::nullopt;
    }
    const std::string_view k = pair.substr(0, eq), v = pair.substr(eq + 1);
    if (k == "r") {
      resource = v;
    } else if (k == "m") {
      mode = v;
    } else if (k == "t") {
      type = v;
    } else if (k == "token") {
      token = v;
    }
    // Other keys (u, s, h and application keys) say nothing this server uses.
  }
  if (!resource || resource->empty()) {
    error = "stream id: access-control form without r=";
    return std::nullopt;
  }
  if (mode && *mode != "publish") {
    error = "stream id: mode m=" + std::string(*mode) +
            " not served over SRT (publish only; play over RTMP)";
    return std::nullopt;
  }
  if (type && *type != "stream") {
    error = "stream id: type t=" + std::string(*type) + " not served (stream only)";
    return std::nullopt;
  }
  auto id = split_resource(*resource, error);
  if (id && token && id->token.empty()) id->token = std::string(*token);
  return id;
}

}  // namespace

std::optional<SrtStreamId> parse_stream_id(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "no stream id (expected publish:app/name or #!::r=app/name,m=publish)";
    return std::nullopt;
  }
  if (has_control(text)) {
    error = "control character in stream id";
    return std::nullopt;
  }
  if (text.starts_with(kPublishPrefix))
    return split_resource(text.substr(kPublishPrefix.size()), error);
  if (text.starts_with(kAccessControlPrefix))
    return parse_access_control(text.substr(kAccessControlPrefix.size()), error);
  if (text.starts_with("play:") || text.starts_with("read:")) {
    error = "stream id asks to play: not served over SRT (play over RTMP)";
    return std::nullopt;
  }
  error = "unrecognised stream id (expected publish:app/name or #!::r=app/name,m=publish)";
  return std::nullopt;
}

std::string loggable_stream_id(std::string_view text) {
  constexpr size_t kMax = 100;
  const size_t cut = std::min({text.find('?'), text.find("token="), kMax});
  std::string shown(text.substr(0, cut));
  for (char& c : shown)
    if (has_control(std::string_view(&c, 1))) c = '?';
  if (cut < text.size()) shown += "...";
  return shown;
}

}  // namespace rtmp::srt
