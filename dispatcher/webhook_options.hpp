#pragma once
// What the webhook runner, its loops and its requests need to know.
#include <cstdint>
#include <string>

#include "common/duration.hpp"

namespace rtmp::dispatcher {

struct WebhookOptions {
  common::Duration timeout{30000};  // one execution, retries included
  int64_t max_connections = 10;     // per loop: -hook-concurrency
  int loops = 1;                    // event loops (threads)
  std::string secret;               // Standard Webhooks signing; empty = unsigned
  std::string ca_file;              // PEM bundle trusted instead of the system's
  int64_t retries = 3;              // extra attempts
  common::Duration retry_base{100};
  common::Duration retry_max{5000};
};

}  // namespace rtmp::dispatcher
