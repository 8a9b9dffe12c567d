#pragma once
// The request/response routes of the HTTP API (everything but the live event
// stream, which api_server.cpp serves as a stream).
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/api/api_options.hpp"
#include "ingest/api/api_server.hpp"
#include "ingest/api/event_hub.hpp"

namespace rtmp::api {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline constexpr std::string_view kEventsPath = "/api/v1/events";

// The decoded value of `name` in the query string, if present.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
// The query string of the request's target ("" without one).
std::string_view query_of(const Request& req);
// A GET of the live event stream, its path percent-encoded or not.
bool is_event_stream_get(const Request& req);
// The live event stream's ?type=a,b (event names; an unknown one is an
// error, not a filter that never matches) and ?stream=KEY, into `filter`.
// Returns the error, if any.
std::optional<std::string> parse_event_filter(std::string_view query, EventFilter& filter);

// A JSON error response with `status` and `message`.
Response error_response(const Request& req, http::status status, std::string_view message);

// 401 unless the request carries the token (Authorization: Bearer, or
// ?access_token= for clients that cannot set headers, as EventSource).
std::optional<Response> check_token(const Request& req, const ApiOptions& options);

// Without -api-token, a request that changes something (POST, DELETE) from a
// browser page of another origin is refused (403): such a request needs no
// CORS preflight, so any page the operator visits could otherwise kick
// streams. Requests without an Origin header (curl, scripts) pass; the
// origin is compared with Host, or X-Forwarded-Host behind a proxy.
std::optional<Response> check_origin(const Request& req, const ApiOptions& options);

// The route's pattern for metrics ("/api/v1/streams/{app}/{name}", a page's
// path, "other"), never the path itself.
std::string_view route_pattern(const Request& req, const ApiContext& ctx);

// Everything but the live event stream.
Response route(const Request& req, const ApiOptions& options, const ApiContext& ctx);

}  // namespace rtmp::api
