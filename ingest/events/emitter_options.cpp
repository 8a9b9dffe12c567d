#include "ingest/events/emitter_options.hpp"

#include <unistd.h>

#include <climits>

#include "common/host_port.hpp"

namespace rtmp::events {

std::string node_id_error(const std::string& value) {
  if (value.empty()) return "must not be empty";
  if (value.size() > 64) return "longer than 64 characters";
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(value.front())) return "must begin with a letter or a digit";
  for (char c : value) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-')
      return "only letters, digits, '.', '_' and '-' are allowed";
  }
  return {};
}

void resolve_node_id(EmitterOptions& options) {
  if (!options.node_id.empty()) return;
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    throw common::FlagError("-node-id: no host name to default to; give -node-id");
  }
  const std::string name(host);
  if (auto err = node_id_error(name); !err.empty()) {
    throw common::FlagError("invalid value \"" + name +
                            "\" for flag -node-id (the host name): " + err + "; give -node-id");
  }
  options.node_id = name;
}

void register_event_flags(common::FlagSet& flags, EmitterOptions& options) {
  flags.add_list("events-bind", &options.bind_endpoints,
                 "ZeroMQ endpoint to bind the event PUSH socket for external dispatchers "
                 "(e.g. tcp://0.0.0.0:5556; IPv6 in brackets: tcp://[::]:5556)",
                 common::zmq_endpoint_error);
  flags.add_int("events-buffer", &options.buffer_capacity, 100000, 0, 100'000'000,
                "events held while no dispatcher can take them; past it they go to the "
                "stdio fallback (stderr)");
  flags.add_duration("events-linger", &options.linger, std::chrono::seconds(2),
                     "at shutdown, longest wait for dispatchers to take the remaining events");
  flags.add_string(
      "node-id", &options.node_id, "",
      "this ingest's name: `node` in every event and part of every event id "
      "(empty = the host name)",
      [](const std::string& v) { return v.empty() ? std::string() : node_id_error(v); });
}

}  // namespace rtmp::events
