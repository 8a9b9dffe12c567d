#pragma once
// -relay-to and how relays retry and give up on a target.
#include <chrono>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "ingest/relay/relay_target.hpp"
#include "ingest/relay/transport.hpp"

namespace rtmp::relay {

struct RelayOptions {
  std::vector<std::string> urls;     // -relay-to, as given
  std::vector<RelayTarget> targets;  // parsed from urls (finish())
  common::Duration retry_min = std::chrono::seconds(1);
  common::Duration retry_max = std::chrono::seconds(30);
  // Longest wait for a target to accept the publish (TCP, handshake,
  // connect, publish), and for one write to it to complete: past it the
  // target counts as stuck and is dropped and reconnected.
  common::Duration timeout = std::chrono::seconds(10);
  size_t queue = 1024;  // messages queued per target before it skips to the next keyframe
  // Media merged into one write per target, as for players (-merge-write,
  // -merge-write-bytes): the same window, following the target's own rate.
  common::Duration merge_write{0};
  size_t merge_write_bytes = 0;
  TransportOptions transport;

  bool enabled() const { return !targets.empty(); }
};

void register_relay_flags(common::FlagSet& flags, RelayOptions& options);
// Parses the URLs into targets; throws common::FlagError (the URL redacted).
void finish_relay_options(RelayOptions& options);

}  // namespace rtmp::relay
