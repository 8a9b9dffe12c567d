#include "ingest/relay/transport.hpp"

#include "ingest/relay/tcp_transport.hpp"

namespace rtmp::relay {

std::shared_ptr<Transport> make_transport(const std::string& scheme, const Strand& strand,
                                          const TransportOptions& /*options*/, std::string& error) {
  if (scheme == "rtmp") return std::make_shared<TcpTransport>(strand);
  error = "rtmps:// targets are not supported by this build yet";
  return nullptr;
}

}  // namespace rtmp::relay
