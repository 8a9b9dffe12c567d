#pragma once
// What the SRT listener and its publishers share with the RTMP sessions: the
// registry, event sink, authorizer, counters, recorder and relays (one
// SessionContext), the io_context relays run on, and the limits.
#include <boost/asio/io_context.hpp>
#include <cstdint>

#include "ingest/server/session_context.hpp"

namespace rtmp::srt {

struct SrtContext {
  server::SessionContext& session;
  boost::asio::io_context& ioc;  // relays of an SRT publish run here
  int64_t max_connections;       // RTMP, RTMPS and SRT connections together
};

}  // namespace rtmp::srt
