#pragma once
// rtmp-dispatcher -replay FILE: delivers the dead letters of FILE again, each
// through a runner of its kind (same event id, hence the same webhook-id and
// Nats-Msg-Id, so receivers drop what they already have), under the hook
// options given (-hook-timeout, -hook-concurrency, -webhook-secret,
// -webhook-retries, ...). A target whose credentials were removed takes them
// from the -hook-<kind> flag whose target redacts to the same text. Prints
// one line per dead letter and a summary to stdout; the ones that fail again
// go to a new dead-letter file (replay_output_path). FILE is never changed.
#include <string>

#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {

// Where the failures of a replay of `input` go: -dead-letter when given, else
// `<input>.failed-<UTC YYYYMMDDTHHMMSSZ>` (a "-2", "-3", ... suffix when that
// exists).
std::string replay_output_base(const std::string& input, const Options& options);

// Exit status: 0 when every dead letter was delivered, 1 when any failed, 2
// when FILE cannot be read.
int run_replay(const std::string& input, const Options& options);

}  // namespace rtmp::dispatcher
