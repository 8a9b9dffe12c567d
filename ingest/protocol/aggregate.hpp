#pragma once
// Aggregate messages (type 22): a run of FLV tags, each becoming a message of
// its own. No I/O.
#include <string>
#include <vector>

#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {

// Appends the aggregate's sub-messages to `out`, in order, with the
// aggregate's chunk stream and message stream, and timestamps rebased so the
// first tag lands on the aggregate's own timestamp. Returns "" or the reason
// the payload is malformed; the tags before the malformed one are still
// appended (they were well formed and arrived first).
std::string split_aggregate(const Message& aggregate, std::vector<Message>& out);

}  // namespace rtmp::protocol
