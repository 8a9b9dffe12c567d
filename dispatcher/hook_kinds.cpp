#include "dispatcher/hook_kinds.hpp"

#include <stdexcept>

namespace rtmp::dispatcher {

// Each kind's definition, beside its runner.
HookKindDef webhook_hook_kind();  // webhook_runner.cpp
HookKindDef script_hook_kind();   // script_runner.cpp
HookKindDef nats_hook_kind();     // nats_runner.cpp

const std::vector<HookKindDef>& hook_kinds() {
  static const std::vector<HookKindDef> kinds = {
      webhook_hook_kind(),
      script_hook_kind(),
      nats_hook_kind(),
  };
  return kinds;
}

HookKind hook_kind(std::string_view name) {
  const auto& kinds = hook_kinds();
  for (HookKind k = 0; k < kinds.size(); ++k) {
    if (kinds[k].name == name) return k;
  }
  throw std::out_of_range("no hook kind \"" + std::string(name) + "\"");
}

}  // namespace rtmp::dispatcher
