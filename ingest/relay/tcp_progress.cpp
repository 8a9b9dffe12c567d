// Kept apart from the transports: <linux/tcp.h> (which has tcpi_bytes_acked)
// cannot be included beside <netinet/tcp.h>, which Boost.Asio includes.
#include "ingest/relay/tcp_progress.hpp"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>

namespace rtmp::relay {

TcpProgress tcp_progress(int fd) {
  TcpProgress p;
  if (fd < 0) return p;
  tcp_info info{};
  socklen_t len = sizeof info;
  int queued = 0;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || ioctl(fd, SIOCOUTQ, &queued) != 0)
    return p;
  // An older kernel fills less of the struct: without the field, unknown.
  if (len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) return p;
  p.known = true;
  p.acked = info.tcpi_bytes_acked;
  p.unacked = queued > 0 ? static_cast<uint64_t>(queued) : 0;
  return p;
}

void limit_unsent(int fd, uint32_t bytes) {
  const int v = static_cast<int>(bytes);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof v);  // best effort
}

}  // namespace rtmp::relay
