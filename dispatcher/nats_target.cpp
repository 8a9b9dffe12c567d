#include "dispatcher/nats_target.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/host_port.hpp"
#include "common/percent.hpp"

namespace rtmp::dispatcher {
namespace {

std::string sanitize(std::string_view v) {
  std::string out(v);
  for (char& c : out)
    if (c == '.' || c == '*' || c == '>' || std::isspace(static_cast<unsigned char>(c))) c = '_';
  return out.empty() ? "_" : out;
}

// A server's host and port, as they would fail only at the first connection
// (a port over 65535, an empty host): its credentials are left out.
std::string server_address_error(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t at = url.find('@', start);
  const std::string address = url.substr(at == std::string::npos ? start : at + 1);
  const bool bracketed = !address.empty() && address.front() == '[';
  const bool has_port =
      bracketed ? address.find("]:") != std::string::npos : address.find(':') != std::string::npos;
  try {
    // Without a port, NATS's own 4222.
    const common::HostPort hp = common::parse_host_port(has_port ? address : address + ":4222");
    if (hp.host.empty()) return "server \"" + address + "\" has no host";
    if (hp.port == 0) return "server \"" + address + "\": port 0";
  } catch (const std::invalid_argument& e) {
    return "server \"" + address + "\": " + e.what();
  }
  return "";
}

}  // namespace

std::vector<std::string> nats_server_urls(const std::string& servers, NatsCredentials& out) {
  std::vector<std::string> urls, bare;
  std::vector<std::string> infos;  // the userinfo of each URL that has one
  for (size_t from = 0;;) {
    const size_t comma = servers.find(',', from);
    urls.push_back(servers.substr(from, comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  for (const std::string& url : urls) {
    const size_t start = url.find("://");
    const size_t host = start == std::string::npos ? 0 : start + 3;
    const size_t at = url.find('@', host);
    if (at == std::string::npos) {
      bare.push_back(url);
      continue;
    }
    infos.push_back(url.substr(host, at - host));
    bare.push_back(url.substr(0, host) + url.substr(at + 1));
  }
  out = {};
  if (infos.empty()) return urls;
  for (const std::string& info : infos)
    if (info != infos.front()) return urls;  // each keeps its own
  const std::string& info = infos.front();
  const size_t colon = info.find(':');
  if (colon == std::string::npos) {
    out.token = common::percent_decode(info);
  } else {
    out.user = common::percent_decode(info.substr(0, colon));
    out.password = common::percent_decode(info.substr(colon + 1));
  }
  return bare;
}

NatsTarget parse_nats_target(const std::string& target, std::string& why) {
  NatsTarget t;
  why.clear();
  if (target.rfind("nats://", 0) != 0 && target.rfind("tls://", 0) != 0) {
    why = "NATS target must start with nats:// or tls://";
    return t;
  }
  const size_t start = target.find("://") + 3;
  size_t slash = target.find('/', start);
  while (slash != std::string::npos && target.compare(slash - 1, 3, "://") == 0)
    slash = target.find('/', slash + 2);
  if (slash == std::string::npos || slash + 1 >= target.size()) {
    why = "NATS target needs a subject: nats://host:4222/subject";
    return t;
  }
  t.subject = target.substr(slash + 1);
  if (t.subject.find_first_of(" \t\r\n") != std::string::npos || t.subject.front() == '.' ||
      t.subject.back() == '.' || t.subject.find("..") != std::string::npos) {
    why = "bad NATS subject \"" + t.subject + "\"";
    return t;
  }
  // Published to, a subject is literal: a wildcard token would be sent as
  // its characters, and a misspelt placeholder ("{typ}") likewise.
  for (size_t i = 0; i < t.subject.size();) {
    const size_t dot = std::min(t.subject.find('.', i), t.subject.size());
    const std::string_view token(t.subject.data() + i, dot - i);
    if (token == "*" || token == ">") {
      why = "NATS subject \"" + t.subject + "\" has the wildcard \"" + std::string(token) +
            "\": a published subject is literal ({type} and {node} vary it)";
      return t;
    }
    i = dot + 1;
  }
  for (size_t open = t.subject.find('{'); open != std::string::npos;
       open = t.subject.find('{', open + 1)) {
    if (t.subject.compare(open, 6, "{type}") != 0 && t.subject.compare(open, 6, "{node}") != 0) {
      why = "NATS subject \"" + t.subject + "\": unknown placeholder (known: {type} {node})";
      return t;
    }
  }
  const std::string scheme = target.substr(0, start);
  const std::string authority = target.substr(start, slash - start);
  size_t from = 0;
  for (;;) {
    const size_t comma = authority.find(',', from);
    std::string server = authority.substr(from, comma - from);
    if (server.empty()) {
      why = "empty server in NATS target";
      return t;
    }
    if (server.find("://") == std::string::npos) server = scheme + server;
    if (auto bad = server_address_error(server); !bad.empty()) {
      why = "NATS target: " + bad;
      return t;
    }
    t.servers += (t.servers.empty() ? "" : ",") + server;
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return t;
}

std::string nats_subject(const std::string& tmpl, std::string_view type, std::string_view node) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 6, "{type}") == 0) {
      out += sanitize(type);
      i += 6;
    } else if (tmpl.compare(i, 6, "{node}") == 0) {
      out += sanitize(node);
      i += 6;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

std::string nats_filter(const std::string& tmpl) {
  std::string out;
  size_t from = 0;
  for (;;) {
    const size_t dot = tmpl.find('.', from);
    const std::string token = tmpl.substr(from, dot - from);
    out += token.find('{') != std::string::npos ? "*" : token;
    if (dot == std::string::npos) break;
    out += '.';
    from = dot + 1;
  }
  return out;
}

bool nats_subject_covers(std::string_view stream_subject, std::string_view subject) {
  const auto next = [](std::string_view& rest) {
    const size_t dot = rest.find('.');
    const std::string_view token = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    return token;
  };
  std::string_view pattern = stream_subject, rest = subject;
  while (!pattern.empty()) {
    const std::string_view p = next(pattern);
    if (p == ">") return !rest.empty();
    if (rest.empty()) return false;
    const std::string_view t = next(rest);
    if (p != "*" && (p != t || t == "*" || t == ">")) return false;
  }
  return rest.empty();
}

}  // namespace rtmp::dispatcher
