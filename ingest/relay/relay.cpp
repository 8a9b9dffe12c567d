#include "ingest/relay/relay.hpp"

#include "common/logging.hpp"

namespace rtmp::relay {

Relay& Relay::operator=(Relay&& other) noexcept {
  if (this == &other) return *this;
  if (role_) end(events::StopReason::kError);
  role_ = std::move(other.role_);
  session_ = std::move(other.session_);
  return *this;
}

Relay::~Relay() {
  if (session_) session_->stop();
  // role_'s destructor then ends it with the registry's reason for an end
  // nobody asked for (error, or shutdown).
}

Relay Relay::start(registry::StreamRegistry& registry, net::io_context::executor_type executor,
                   const RelayOptions& options, RelayEndpoint endpoint, uint32_t chunk_size,
                   const std::string& conn_id, const std::string& key) {
  Relay r;
  r.session_ =
      RelaySession::create(executor, std::move(endpoint), options, chunk_size, conn_id, key);
  r.role_ = registry.join(key, r.session_->subscriber(), conn_id);
  r.session_->start(r.role_.events());
  return r;
}

void Relay::end(events::StopReason reason) noexcept {
  role_.end(reason);
  if (session_) session_->stop();
  session_.reset();
}

std::vector<Relay> start_relays(registry::StreamRegistry& registry,
                                net::io_context::executor_type executor,
                                const RelayOptions& options, uint32_t chunk_size,
                                const std::string& conn_id, const std::string& app,
                                const std::string& name) {
  std::vector<Relay> relays;
  const std::string key = app + "/" + name;
  for (const auto& target : options.targets) {
    auto endpoint = resolve(target, app, name);
    if (!endpoint) {
      common::log::warn({.conn_id = conn_id, .stream_key = key},
                        "relay skipped: target {}://{}/{} gives no app/name for this stream",
                        target.scheme, target.host, target.path);
      continue;
    }
    relays.push_back(
        Relay::start(registry, executor, options, std::move(*endpoint), chunk_size, conn_id, key));
  }
  return relays;
}

}  // namespace rtmp::relay
