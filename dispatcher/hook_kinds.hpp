#pragma once
// The kinds of hook (webhook, script): each is one HookKindDef, listed once in
// hook_kinds.cpp. A kind names its `-hook-<name>` flag, checks the targets
// given there and builds the Runner that executes its jobs; the flags,
// routing, pool, counters, metrics and logs take every kind from this list.
// A new kind is a file defining its runner and its HookKindDef, plus its line
// in hook_kinds.cpp.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {

class Runner;
struct KindCounters;
struct Options;

// Index of a kind in hook_kinds().
using HookKind = std::size_t;

struct HookKindDef {
  std::string_view name;    // -hook-<name>, log lines, the metrics' kind="<name>"
  std::string_view target;  // what follows '=' in a pair, e.g. "url"
  std::string_view help;    // -help text of -hook-<name>
  // Empty when `target` is usable, else why not.
  std::string (*check_target)(const std::string& target);
  // The target as a dead letter records it: credentials removed (redact.hpp).
  RedactedTarget (*redact)(const std::string& target);
  // The runner, given the options it needs (taken from `options`) and the
  // kind's counters (both outlive it).
  std::unique_ptr<Runner> (*make_runner)(const Options& options, KindCounters& counters);
};

const std::vector<HookKindDef>& hook_kinds();

// The kind named `name`; throws std::out_of_range for an unknown one.
HookKind hook_kind(std::string_view name);

}  // namespace rtmp::dispatcher
