#pragma once
// The open-file limit both programs run with. Each player, publisher, relay,
// recording, webhook connection and script pipe is a descriptor, and
// distributions start processes at a soft limit of 1024 with a far higher
// hard one: both programs raise the soft limit to the hard one at startup, as
// nginx's worker_rlimit_nofile or a systemd LimitNOFILE would.
#include <cstddef>

namespace rtmp::common {

// Raises the soft RLIMIT_NOFILE to the hard limit (best effort); returns the
// soft limit in effect afterwards (2^20 for "unlimited").
size_t raise_fd_limit();

// The soft limit in effect now (2^20 for "unlimited").
size_t fd_limit();

}  // namespace rtmp::common
