#include "dispatcher/router.hpp"

namespace rtmp::dispatcher {

Router::Router(const std::vector<HookSpec>& specs) : count_(specs.size()) {
  for (const HookSpec& spec : specs) {
    for (size_t t = 1; t < kTypes; ++t) {
      if (!spec.event || static_cast<size_t>(*spec.event) == t) by_type_[t].push_back(spec);
    }
  }
}

const std::vector<HookSpec>& Router::match(rtmphooks::EventType type) const {
  const auto t = static_cast<size_t>(type);
  if (t == 0 || t >= kTypes) return none_;
  return by_type_[t];
}

}  // namespace rtmp::dispatcher
