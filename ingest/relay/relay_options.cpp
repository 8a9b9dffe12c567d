#include "ingest/relay/relay_options.hpp"

#include "ingest/relay/tls_transport.hpp"

namespace rtmp::relay {

void register_relay_flags(common::FlagSet& flags, RelayOptions& o) {
  flags.add_list("relay-to", &o.urls,
                 "push every published stream to this rtmp:// or rtmps:// URL; rtmp://host/app "
                 "appends the stream name, {app} {name} {key} place it; the query string goes "
                 "to the target only (never logged)");
  flags.add_string("relay-ca", &o.transport.ca_file, "",
                   "PEM CA certificates rtmps:// relay targets are verified against "
                   "(empty = the system's store)");
  flags.add_duration("relay-retry-min", &o.retry_min, std::chrono::seconds(1),
                     "first wait before reconnecting to a relay target; doubles per failure",
                     common::FlagSet::above_zero());
  flags.add_duration("relay-retry-max", &o.retry_max, std::chrono::seconds(30),
                     "longest wait between reconnects to a relay target");
  flags.add_duration("relay-timeout", &o.timeout, std::chrono::seconds(10),
                     "a relay target that has not accepted the publish, or not taken a write, "
                     "within this is dropped and reconnected",
                     common::FlagSet::above_zero());
}

void finish_relay_options(RelayOptions& o) {
  o.targets.clear();
  for (const auto& url : o.urls) {
    RelayTarget t;
    if (auto err = parse_relay_target(url, t); !err.empty())
      throw common::FlagError("invalid value \"" + redact_url(url) +
                              "\" for flag -relay-to: " + err);
    o.targets.push_back(std::move(t));
  }
  if (!o.transport.ca_file.empty()) {
    if (auto err = check_ca_file(o.transport.ca_file); !err.empty())
      throw common::FlagError("invalid value \"" + o.transport.ca_file +
                              "\" for flag -relay-ca: " + err);
  }
  if (o.retry_max < o.retry_min)
    throw common::FlagError("invalid value \"" + common::format_duration(o.retry_max) +
                            "\" for flag -relay-retry-max: below -relay-retry-min (" +
                            common::format_duration(o.retry_min) + ")");
}

}  // namespace rtmp::relay
