#pragma once
// What the kernel knows of a relay's TCP connection that the writes do not
// tell: how much of what was written the target has acknowledged. A target
// that stops reading still lets writes complete into the send buffer, so
// only its acknowledgements show whether it takes anything.
#include <cstdint>

namespace rtmp::relay {

struct TcpProgress {
  bool known = false;    // false: not a socket, or the kernel did not say
  uint64_t acked = 0;    // bytes the peer acknowledged on this connection
  uint64_t unacked = 0;  // bytes in the send queue: not sent yet, or not acknowledged
};

// Reads `fd`'s progress (TCP_INFO and SIOCOUTQ); `known` false on failure.
TcpProgress tcp_progress(int fd);

// Limits the bytes a socket holds not yet sent, so a write to a target that
// stopped reading stops completing after that much rather than after the
// autotuned send buffer (megabytes); what is in flight still autotunes, so
// a fast path keeps its rate.
void limit_unsent(int fd, uint32_t bytes);

}  // namespace rtmp::relay
