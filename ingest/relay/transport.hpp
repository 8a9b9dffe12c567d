#pragma once
// The byte stream a relay talks RTMP over, so the session does not care
// whether it is plain TCP (rtmp://) or TLS over TCP (rtmps://). Every
// completion handler runs on the strand the transport was made with. One
// connect, then at most one read and one write in flight at a time;
// close() cancels what is pending (handlers then see operation_aborted).
//
// A new kind (TLS) is one class implementing this and one branch in
// make_transport(); the session and its tests do not change.
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ingest/relay/tcp_progress.hpp"

namespace rtmp::relay {

namespace net = boost::asio;
using Strand = net::strand<net::io_context::executor_type>;

class Transport {
 public:
  using ConnectHandler = std::function<void(std::string error)>;  // "" when connected
  using IoHandler = std::function<void(const boost::system::error_code&, size_t)>;

  virtual ~Transport() = default;
  // Resolves `host`, connects (and, for TLS, completes the handshake and
  // verifies the peer). The error names the step that failed.
  virtual void async_connect(const std::string& host, uint16_t port, ConnectHandler done) = 0;
  // Writes all of `buffers` (the caller keeps what they point at alive).
  virtual void async_write(std::vector<net::const_buffer> buffers, IoHandler done) = 0;
  virtual void async_read_some(net::mutable_buffer buffer, IoHandler done) = 0;
  virtual void close() = 0;
  // What the target acknowledged of the TCP connection underneath.
  virtual TcpProgress progress() { return {}; }
};

struct TransportOptions {
  std::string ca_file;  // rtmps://: verify against this CA file ("" = the system store)
};

// A transport for `scheme` ("rtmp"), or null with `error` saying why (a
// scheme this build cannot speak yet).
std::shared_ptr<Transport> make_transport(const std::string& scheme, const Strand& strand,
                                          const TransportOptions& options, std::string& error);

}  // namespace rtmp::relay
