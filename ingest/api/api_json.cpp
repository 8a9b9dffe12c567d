#include "ingest/api/api_json.hpp"

#include <fmt/format.h>

#include <cmath>

#include "common/json_text.hpp"

namespace rtmp::api {
namespace {

void key(std::string& out, std::string_view k) {
  out += '"';
  out += k;
  out += "\":";
}

void str(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  common::append_json_string(out, v);
}

void num(std::string& out, std::string_view k, double v) {
  key(out, k);
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void num(std::string& out, std::string_view k, uint64_t v) {
  key(out, k);
  fmt::format_to(std::back_inserter(out), "{}", v);
}

template <typename T>
void opt(std::string& out, std::string_view k, const std::optional<T>& v) {
  if (!v) {
    key(out, k);
    out += "null";
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
    num(out, k, static_cast<double>(*v));
  } else {
    num(out, k, static_cast<uint64_t>(*v));
  }
}

void since(std::string& out, int64_t unix_ms) {
  num(out, "since", static_cast<double>(unix_ms) / 1000.0);
}

void connection(std::string& out, const registry::Directory::Entry& e) {
  str(out, "conn_id", e.conn_id);
  out += ',';
  str(out, "remote_addr", e.remote_addr);
  out += ',';
  since(out, e.since_unix_ms);
}

}  // namespace

void append_stream_json(std::string& out, const registry::Directory::StreamView& s,
                        const StreamFigures& f, bool with_players) {
  const std::string& k = s.publisher.key;
  const auto slash = k.find('/');
  out += '{';
  str(out, "key", k);
  out += ',';
  str(out, "app",
      slash == std::string::npos ? std::string_view{} : std::string_view(k).substr(0, slash));
  out += ',';
  str(out, "name",
      slash == std::string::npos ? std::string_view(k) : std::string_view(k).substr(slash + 1));
  out += ",\"publisher\":{";
  connection(out, s.publisher);
  out += "},";
  const auto* video = s.publisher.publish ? s.publisher.publish->video() : nullptr;
  key(out, "video");
  if (video) {
    out += '{';
    str(out, "codec", video->codec);
    out += ',';
    opt(out, "width", video->width);
    out += ',';
    opt(out, "height", video->height);
    out += ',';
    // Declared by the stream (metadata or SPS); else as measured.
    num(out, "fps", video->fps ? *video->fps : f.fps);
    out += '}';
  } else {
    out += "null";
  }
  out += ',';
  const auto* audio = s.publisher.publish ? s.publisher.publish->audio() : nullptr;
  key(out, "audio");
  if (audio) {
    out += '{';
    str(out, "codec", audio->codec);
    out += ',';
    opt(out, "sample_rate", audio->sample_rate);
    out += ',';
    opt(out, "channels", audio->channels);
    out += '}';
  } else {
    out += "null";
  }
  out += ',';
  num(out, "bitrate_kbps", f.bitrate_kbps);
  out += ',';
  num(out, "fps", f.fps);
  out += ',';
  num(out, "bytes_in", f.bytes_in);
  out += ',';
  num(out, "bytes_out", f.bytes_out);
  out += ',';
  num(out, "players", static_cast<uint64_t>(f.players));
  out += ',';
  num(out, "dropped", f.dropped);
  out += ",\"recording\":";
  const auto& ended = s.publisher.recording_ended;
  out += ended && !ended->load(std::memory_order_relaxed) ? "true" : "false";
  out += ",\"relays\":[";
  for (size_t i = 0; i < s.publisher.relays.size(); ++i) {
    const auto& r = *s.publisher.relays[i];
    if (i) out += ',';
    out += '{';
    str(out, "target", r.target);
    out += ',';
    str(out, "state", r.live.load(std::memory_order_relaxed) ? "live" : "connecting");
    out += ',';
    num(out, "bytes", r.bytes.load(std::memory_order_relaxed));
    out += ',';
    num(out, "failures", static_cast<uint64_t>(r.failures.load(std::memory_order_relaxed)));
    out += '}';
  }
  out += ']';
  if (with_players) {
    out += ",\"player_list\":[";
    bool first = true;
    for (const auto& p : s.players) {
      if (!first) out += ',';
      first = false;
      out += '{';
      connection(out, p);
      out += ',';
      num(out, "bytes_out", p.conn->bytes_out.load(std::memory_order_relaxed));
      out += ',';
      num(out, "dropped", p.subscriber ? p.subscriber->link().dropped() : uint64_t{0});
      out += '}';
    }
    out += ']';
  }
  out += '}';
}

std::string error_json(int status, std::string_view message) {
  std::string out = "{";
  str(out, "error", message);
  out += ',';
  num(out, "status", static_cast<uint64_t>(status));
  out += '}';
  return out;
}

}  // namespace rtmp::api
