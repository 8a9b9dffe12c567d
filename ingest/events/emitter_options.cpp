#include "ingest/events/emitter_options.hpp"

namespace rtmp::events {

namespace {

std::string check_endpoint(const std::string& value) {
  const auto scheme_end = value.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0 || scheme_end + 3 == value.size()) {
    return "want a ZeroMQ endpoint such as tcp://0.0.0.0:5556";
  }
  const std::string scheme = value.substr(0, scheme_end);
  if (scheme != "tcp" && scheme != "ipc" && scheme != "inproc") {
    return "unsupported transport \"" + scheme + "\" (tcp, ipc or inproc)";
  }
  return {};
}

}  // namespace

void register_event_flags(common::FlagSet& flags, EmitterOptions& options) {
  flags.add_list("events-bind", &options.bind_endpoints,
                 "ZeroMQ endpoint to bind the event PUSH socket for external dispatchers "
                 "(e.g. tcp://0.0.0.0:5556)",
                 check_endpoint);
  flags.add_int("events-buffer", &options.buffer_capacity, 100000, 0, 100'000'000,
                "events held while no dispatcher can take them; past it they go to the "
                "stdio fallback (stderr)");
  flags.add_duration("events-linger", &options.linger, std::chrono::seconds(2),
                     "at shutdown, longest wait for dispatchers to take the remaining events");
}

}  // namespace rtmp::events
