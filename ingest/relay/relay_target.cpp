#include "ingest/relay/relay_target.hpp"

#include <cctype>
#include <charconv>

namespace rtmp::relay {
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

std::string authority(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::string redact_url(const std::string& url) {
  std::string out = url.substr(0, url.find('?'));
  // A user:password before the host (refused, but echoed in the error) is
  // as secret as the query.
  const size_t start = out.find("://");
  if (start != std::string::npos) {
    const size_t host = start + 3;
    const size_t at = out.find('@', host);
    if (at != std::string::npos && at < out.find('/', host)) out.replace(host, at - host, "…");
  }
  return out;
}

std::string parse_relay_target(const std::string& url, RelayTarget& out) {
  out = RelayTarget{};
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return "not a URL (rtmp://host/app or rtmps://host/app)";
  out.scheme = url.substr(0, sep);
  for (char& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "rtmp" && out.scheme != "rtmps")
    return "scheme \"" + out.scheme.substr(0, 16) + "\": rtmp:// or rtmps:// only";
  std::string rest = url.substr(sep + 3);
  if (const size_t q = rest.find('?'); q != std::string::npos) {
    out.query = rest.substr(q + 1);
    rest.resize(q);
  }
  const size_t slash = rest.find('/');
  const std::string auth = rest.substr(0, slash);
  if (auth.find('@') != std::string::npos)
    return "a user:password before the host is not supported (RTMP has no such login; a "
           "target's token goes in the query)";
  out.path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  std::string port;
  if (!auth.empty() && auth[0] == '[') {
    const size_t close = auth.find(']');
    if (close == std::string::npos) return "unclosed '[' in the host";
    out.host = auth.substr(1, close - 1);
    if (close + 1 < auth.size()) {
      if (auth[close + 1] != ':') return "junk after the IPv6 address";
      port = auth.substr(close + 2);
    }
  } else {
    const size_t colon = auth.find(':');
    out.host = auth.substr(0, colon);
    if (colon != std::string::npos) port = auth.substr(colon + 1);
  }
  if (out.host.empty()) return "no host";
  if (port.empty()) {
    out.port = out.scheme == "rtmps" ? 443 : 1935;
  } else {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return "bad port \"" + port.substr(0, 8) + "\"";
    out.port = static_cast<uint16_t>(v);
  }
  if (out.path.empty()) return "no app in the path (rtmp://host/app)";
  return "";
}

std::optional<RelayEndpoint> resolve(const RelayTarget& target, const std::string& app,
                                     const std::string& name) {
  std::string path = target.path;
  const bool placeholders = path.find("{app}") != std::string::npos ||
                            path.find("{name}") != std::string::npos ||
                            path.find("{key}") != std::string::npos;
  if (placeholders) {
    path = replace_all(path, "{key}", app + "/" + name);
    path = replace_all(path, "{app}", app);
    path = replace_all(path, "{name}", name);
  } else if (path.find('/') == std::string::npos) {
    path += "/" + name;  // rtmp://host/app: the stream keeps its name
  }
  const size_t slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= path.size()) return std::nullopt;
  RelayEndpoint e;
  e.scheme = target.scheme;
  e.host = target.host;
  e.port = target.port;
  e.app = path.substr(0, slash);
  const std::string stream = path.substr(slash + 1);
  e.stream_name = target.query.empty() ? stream : stream + "?" + target.query;
  e.tc_url = target.scheme + "://" + authority(target.host, target.port) + "/" + e.app;
  e.redacted = e.tc_url + "/" + stream;
  return e;
}

}  // namespace rtmp::relay
