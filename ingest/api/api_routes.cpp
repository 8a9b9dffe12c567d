#include "ingest/api/api_routes.hpp"

#include <boost/asio/ip/address.hpp>

#include "common/json_text.hpp"
#include "common/payload.hpp"
#include "common/percent.hpp"
#include "ingest/api/api_json.hpp"
#include "ingest/auth/constant_time.hpp"

namespace rtmp::api {
namespace {

constexpr std::string_view kStreams = "/api/v1/streams";
constexpr std::string_view kConnections = "/api/v1/connections/";
constexpr std::string_view kKick = "/kick";

Response make(const Request& req, http::status status, std::string_view type, std::string body) {
  Response res{status, req.version()};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

Response json(const Request& req, http::status status, std::string body) {
  return make(req, status, "application/json", std::move(body));
}

Response not_allowed(const Request& req, std::string_view allow) {
  auto res = error_response(req, http::status::method_not_allowed,
                            "method not allowed; allowed: " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

bool is_get(const Request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

// "app/name": both parts non-empty.
bool valid_key(std::string_view key) {
  const auto slash = key.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < key.size();
}

Response list_streams(const Request& req, const ApiContext& ctx) {
  std::string out = "{\"streams\":[";
  bool first = true;
  for (const auto& s : ctx.directory.streams()) {
    if (!first) out += ',';
    first = false;
    append_stream_json(out, s, ctx.sampler.figures(s), false);
  }
  out += "]}";
  return json(req, http::status::ok, std::move(out));
}

Response one_stream(const Request& req, const ApiContext& ctx, const std::string& key) {
  const auto s = ctx.directory.stream(key);
  if (!s) return error_response(req, http::status::not_found, "no live stream " + key);
  std::string out;
  append_stream_json(out, *s, ctx.sampler.figures(*s), true);
  return json(req, http::status::ok, std::move(out));
}

Response kick(const Request& req, const ApiContext& ctx, const std::string& key) {
  const auto conn_id = ctx.directory.publisher_of(key);
  if (!conn_id ||
      !ctx.close_connection(*conn_id, events::StopReason::kKicked, "kicked through the API"))
    return error_response(req, http::status::not_found, "no live stream " + key);
  std::string out = "{\"kicked\":";
  common::append_json_string(out, key);
  out += ",\"conn_id\":";
  common::append_json_string(out, *conn_id);
  out += '}';
  return json(req, http::status::ok, std::move(out));
}

Response close_connection(const Request& req, const ApiContext& ctx, const std::string& conn_id) {
  if (conn_id.empty() ||
      !ctx.close_connection(conn_id, events::StopReason::kKicked, "closed through the API"))
    return error_response(req, http::status::not_found, "no connection " + conn_id);
  std::string out = "{\"closed\":";
  common::append_json_string(out, conn_id);
  out += '}';
  return json(req, http::status::ok, std::move(out));
}

}  // namespace

namespace {

// Takes the next name=value of a query string off its front; false at its
// end. `raw` is the value still percent-encoded, none for a bare name.
bool next_param(std::string_view& query, std::string_view& name,
                std::optional<std::string_view>& raw) {
  if (query.empty()) return false;
  const auto amp = query.find('&');
  const std::string_view part = query.substr(0, amp);
  query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  const auto eq = part.find('=');
  name = part.substr(0, eq);
  raw = eq == std::string_view::npos ? std::nullopt
                                     : std::optional<std::string_view>(part.substr(eq + 1));
  return true;
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::string_view n;
  std::optional<std::string_view> raw;
  while (next_param(query, n, raw)) {
    if (n != name) continue;
    std::string value;
    if (raw && !common::percent_decode(*raw, value, true)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

Response error_response(const Request& req, http::status status, std::string_view message) {
  return json(req, status, error_json(static_cast<int>(status), message));
}

std::string_view query_of(const Request& req) {
  const std::string_view target = req.target();
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

bool is_event_stream_get(const Request& req) {
  if (req.method() != http::verb::get) return false;
  const std::string_view target = req.target();
  std::string path;
  return common::percent_decode(target.substr(0, target.find('?')), path, false) &&
         path == kEventsPath;
}

std::optional<std::string> parse_event_filter(std::string_view query, EventFilter& filter) {
  // Every type= and stream= counts (type=a&type=b is type=a,b); a value
  // that does not decode is an error, as in a path. A key's '+' is a '+', as
  // in the stream routes' paths: stream keys are rarely form-encoded, and
  // "live/a+b" must find the stream the routes find.
  std::string_view name;
  std::optional<std::string_view> raw;
  while (next_param(query, name, raw)) {
    if (name != "type" && name != "stream") continue;
    std::string value;
    if (raw && !common::percent_decode(*raw, value, name == "type"))
      return "malformed percent escape in " + std::string(name) + "=";
    if (name == "stream") {
      if (value.empty()) continue;  // no filter
      if (!valid_key(value)) return "a stream key is app/name, in stream=";
      filter.streams.push_back(std::move(value));
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view type = rest.substr(0, comma);
      if (!type.empty()) {
        if (!common::event_type_from_name(type))
          return "unknown event type \"" + std::string(type) + "\" in type=";
        filter.types.emplace_back(type);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return std::nullopt;
}

std::optional<Response> check_token(const Request& req, const ApiOptions& options) {
  if (options.token.empty()) return std::nullopt;
  std::string_view offered;
  std::optional<std::string> from_query;
  const auto auth = req.find(http::field::authorization);
  // The scheme name is case-insensitive (RFC 7235): "bearer x" counts too.
  constexpr std::string_view kBearer = "Bearer ";
  if (auth != req.end() && auth->value().size() >= kBearer.size() &&
      boost::beast::iequals(auth->value().substr(0, kBearer.size()), kBearer)) {
    offered = auth->value().substr(kBearer.size());
    // One or more spaces may separate the scheme from the token.
    while (!offered.empty() && offered.front() == ' ') offered.remove_prefix(1);
  } else {
    from_query = query_param(query_of(req), "access_token");
    if (from_query) offered = *from_query;
  }
  if (!offered.empty() && auth::constant_time_equals(offered, options.token)) return std::nullopt;
  auto res = error_response(req, http::status::unauthorized,
                            "missing or wrong token (Authorization: Bearer <token>)");
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

namespace {

// An IP address literal or localhost, with or without a port.
bool names_this_machine(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    name = name.substr(1, name.find(']') - 1);
  } else if (const auto colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  if (boost::beast::iequals(name, "localhost")) return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(name), ec);
  return !ec;
}

}  // namespace

std::optional<Response> check_origin(const Request& req, const ApiOptions& options) {
  if (!options.token.empty() || is_get(req)) return std::nullopt;
  const auto origin = req.find(http::field::origin);
  if (origin == req.end()) return std::nullopt;
  const std::string_view value = origin->value();
  const auto scheme_end = value.find("://");
  const std::string_view authority =
      scheme_end == std::string_view::npos ? std::string_view() : value.substr(scheme_end + 3);
  const auto forwarded = req.find("X-Forwarded-Host");
  const auto host = req.find(http::field::host);
  if (!authority.empty() && forwarded != req.end() &&
      boost::beast::iequals(authority, forwarded->value()))
    return std::nullopt;
  // Same origin, and a Host that names this machine by address: a page whose
  // own name was made to resolve to 127.0.0.1 (DNS rebinding) has a matching
  // Origin too, but under its name.
  if (!authority.empty() && host != req.end() && boost::beast::iequals(authority, host->value()) &&
      names_this_machine(host->value()))
    return std::nullopt;
  return error_response(req, http::status::forbidden,
                        "cross-origin request refused (Origin " +
                            std::string(value.substr(0, 200)) +
                            "); set -api-token, or send it from the API's own origin");
}

std::string_view route_pattern(const Request& req, const ApiContext& ctx) {
  const std::string_view target = req.target();
  std::string path;
  if (!common::percent_decode(target.substr(0, target.find('?')), path, false)) return "other";
  if (auto page = ctx.pages.find(path); page != ctx.pages.end()) return page->first;
  if (path == kStreams) return kStreams;
  if (path.starts_with(kStreams) && path.size() > kStreams.size() && path[kStreams.size()] == '/')
    return path.ends_with(kKick) ? "/api/v1/streams/{app}/{name}/kick"
                                 : "/api/v1/streams/{app}/{name}";
  if (path.starts_with(kConnections)) return "/api/v1/connections/{conn_id}";
  if (path == kEventsPath) return kEventsPath;
  return "other";
}

Response route(const Request& req, const ApiOptions& options, const ApiContext& ctx) {
  const std::string_view target = req.target();
  const std::string_view raw_path = target.substr(0, target.find('?'));
  std::string path;
  if (!common::percent_decode(raw_path, path, false))
    return error_response(req, http::status::bad_request, "malformed percent escape in the path");

  if (auto page = ctx.pages.find(path); page != ctx.pages.end()) {
    if (!is_get(req)) return not_allowed(req, "GET, HEAD");
    auto res =
        make(req, http::status::ok, page->second.content_type, std::string(page->second.body));
    if (!page->second.content_security_policy.empty())
      res.set("Content-Security-Policy", page->second.content_security_policy);
    return res;
  }
  if (!path.starts_with("/api/"))
    return error_response(req, http::status::not_found, "no such route " + path);
  if (auto denied = check_token(req, options)) return std::move(*denied);
  if (auto denied = check_origin(req, options)) return std::move(*denied);

  if (path == kStreams) {
    if (!is_get(req)) return not_allowed(req, "GET, HEAD");
    return list_streams(req, ctx);
  }
  if (path.starts_with(kStreams) && path.size() > kStreams.size() && path[kStreams.size()] == '/') {
    std::string key = path.substr(kStreams.size() + 1);
    if (req.method() == http::verb::post && key.ends_with(kKick)) {
      key.resize(key.size() - kKick.size());
      if (!valid_key(key))
        return error_response(req, http::status::bad_request, "a stream key is app/name");
      return kick(req, ctx, key);
    }
    if (key.ends_with(kKick) && valid_key(key.substr(0, key.size() - kKick.size()))) {
      // A GET of a kick: a method mistake, unless a stream is named like it
      // (keys may hold more slashes).
      if (!is_get(req) || (!ctx.directory.stream(key) &&
                           ctx.directory.stream(key.substr(0, key.size() - kKick.size()))))
        return not_allowed(req, "POST");
    }
    if (!is_get(req)) return not_allowed(req, "GET, HEAD");
    if (!valid_key(key))
      return error_response(req, http::status::bad_request, "a stream key is app/name");
    return one_stream(req, ctx, key);
  }
  if (path.starts_with(kConnections)) {
    if (req.method() != http::verb::delete_) return not_allowed(req, "DELETE");
    return close_connection(req, ctx, path.substr(kConnections.size()));
  }
  if (path == kEventsPath) return not_allowed(req, "GET");  // a GET is streamed elsewhere
  return error_response(req, http::status::not_found, "no such route " + path);
}

}  // namespace rtmp::api
