#include "ingest/relay/transport.hpp"

#include "ingest/relay/tcp_transport.hpp"
#include "ingest/relay/tls_transport.hpp"

namespace rtmp::relay {

std::shared_ptr<Transport> make_transport(const std::string& scheme, const Strand& strand,
                                          const TransportOptions& options, std::string& error) {
  if (scheme == "rtmp") return std::make_shared<TcpTransport>(strand);
  if (scheme == "rtmps") {
    try {
      return std::make_shared<TlsTransport>(strand, options.ca_file);
    } catch (const std::exception& e) {
      error = std::string("TLS: ") + e.what();
      return nullptr;
    }
  }
  error = "unsupported scheme " + scheme;
  return nullptr;
}

}  // namespace rtmp::relay
