#pragma once
// What the HTTP API's connections share: the server's options and context,
// the count of live-event responses not yet ended (the shutdown waits for
// it), and the two kinds of connection. An HttpSession answers requests;
// a GET of the live event stream hands its socket to an EventStream, which
// writes Server-Sent Events until the client leaves or the server stops.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "common/accept_loop.hpp"
#include "ingest/api/api_routes.hpp"
#include "ingest/api/api_server.hpp"
#include "ingest/api/event_hub.hpp"

namespace rtmp::api {

struct ApiShared {
  ApiOptions options;
  ApiContext ctx;
  std::atomic<int> streaming{0};  // live-event responses not yet ended
};

// Live-event clients stay open; this many at most, so the rest of the
// connections stay free for requests (an operator's kick among them).
inline constexpr int kMaxEventClients = 192;

// Reads and answers requests on `socket` until the client closes, the
// connection times out, or a live-event GET turns it into an EventStream.
void start_http_session(boost::asio::ip::tcp::socket socket, common::ConnectionSlot slot,
                        ApiShared& shared);

// Answers `req` (token and filter already checked) with the live event
// stream: the headers, the events after its Last-Event-ID, then live ones.
void start_event_stream(boost::asio::ip::tcp::socket socket, common::ConnectionSlot slot,
                        ApiShared& shared, const Request& req, EventFilter filter);

// "203.0.113.7:40376" or "[2001:db8::7]:40376"; "unknown" once closed.
std::string peer_text(const boost::asio::ip::tcp::socket& socket);

}  // namespace rtmp::api
