#pragma once
// One relay of one publish, as its owner (the publish) holds it: the
// relay's role in the stream (registry::PlayerRole of a consumer that is not
// a player and starts when its target accepts) and its session. Move-only;
// its end -- end(reason) or destruction on any path -- ends the role first
// (the relay_stop of a connection still open, and nothing of this relay
// after it), then stops the session. The owner ends its relays before its
// own publish role, so every relay event falls within the publish.
#include <memory>
#include <string>
#include <vector>

#include "ingest/registry/stream_registry.hpp"
#include "ingest/relay/relay_options.hpp"
#include "ingest/relay/relay_session.hpp"

namespace rtmp::relay {

class Relay {
 public:
  Relay() = default;
  Relay(Relay&&) noexcept = default;
  Relay& operator=(Relay&& other) noexcept;
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay();

  // Joins `key` as a relay to `endpoint` and starts connecting.
  static Relay start(registry::StreamRegistry& registry, net::io_context::executor_type executor,
                     const RelayOptions& options, RelayEndpoint endpoint, uint32_t chunk_size,
                     const std::string& conn_id, const std::string& key);

  // `kClient` (the publish ended: relay_stop says `source`) or `kShutdown`.
  void end(events::StopReason reason) noexcept;
  explicit operator bool() const { return static_cast<bool>(role_); }
  // Its target's state for the API; null once ended.
  std::shared_ptr<const registry::RelayStatus> status() const {
    return session_ ? session_->status() : nullptr;
  }

 private:
  registry::PlayerRole role_;
  std::shared_ptr<RelaySession> session_;
};

// A relay per -relay-to target of the stream `app`/`name` (targets whose
// path leaves no stream name for it are logged and skipped).
std::vector<Relay> start_relays(registry::StreamRegistry& registry,
                                net::io_context::executor_type executor,
                                const RelayOptions& options, uint32_t chunk_size,
                                const std::string& conn_id, const std::string& app,
                                const std::string& name);

}  // namespace rtmp::relay
