#pragma once
// The dashboard: one HTML page with its CSS and JavaScript inlined, built into
// the binary from the files beside this header (embed_dashboard.cmake). It
// reads only the ingest's own API (GET /api/v1/streams, the event stream
// GET /api/v1/events, POST .../kick), so the API server serves it at GET /
// and nothing else.
#include <string_view>

namespace rtmp::api {

// The page, UTF-8 HTML, served as "text/html; charset=utf-8".
std::string_view dashboard_page();

// Served with the page: no source but the page itself and the API's origin,
// so a browser refuses anything the page might otherwise fetch elsewhere.
inline constexpr std::string_view kDashboardContentSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

}  // namespace rtmp::api
