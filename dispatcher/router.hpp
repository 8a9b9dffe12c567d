#pragma once
// Routing: which hooks an event fires. Knows nothing of how a hook runs.
#include <array>
#include <vector>

#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

class Router {
 public:
  explicit Router(const std::vector<HookSpec>& specs);

  // The hooks subscribed to `type`, in flag order; `*` hooks included.
  const std::vector<HookSpec>& match(rtmphooks::EventType type) const;
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }

 private:
  // Every EventType value, so an event added to events.proto routes too.
  static constexpr size_t kTypes = rtmphooks::EventType_ARRAYSIZE;
  std::array<std::vector<HookSpec>, kTypes> by_type_;
  std::vector<HookSpec> none_;
  size_t count_ = 0;
};

}  // namespace rtmp::dispatcher
