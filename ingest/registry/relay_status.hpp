#pragma once
// What one relay target of a publish is doing, for readers off the media path
// (the HTTP API): the relay's strand writes it with relaxed atomics, anyone
// reads it. The target is the redacted URL (no query, so no token).
#include <atomic>
#include <cstdint>
#include <string>

namespace rtmp::registry {

struct RelayStatus {
  explicit RelayStatus(std::string redacted_target) : target(std::move(redacted_target)) {}
  const std::string target;
  std::atomic<bool> live{false};      // the target accepted the publish
  std::atomic<uint64_t> bytes{0};     // written to the target, all connections
  std::atomic<uint32_t> failures{0};  // relay_error count
};

}  // namespace rtmp::registry
