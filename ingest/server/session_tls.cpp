// Session: the TLS handshake of an RTMPS connection, under the same deadline
// as the RTMP handshake (the timer runs from the accept to a completed
// connect).
#include <fmt/format.h>

#include <boost/asio/bind_executor.hpp>

#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {
namespace {

constexpr uint8_t kRtmpVersion = 0x03;         // C0 of a plain RTMP client
constexpr uint8_t kTlsHandshakeRecord = 0x16;  // the ClientHello's record type

}  // namespace

void Session::tls_peek() {
  socket_.async_receive(net::buffer(&first_byte_, 1), tcp::socket::message_peek,
                        net::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t n) {
                          self->on_tls_peek(ec, n);
                        }));
}

void Session::on_tls_peek(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (ec || n == 0) {
    if (!ec || ec == net::error::eof || ec == net::error::connection_reset)
      return close(events::StopReason::kDisconnect, "peer closed before the TLS handshake");
    return close(events::StopReason::kError, "read: " + ec.message());
  }
  if (first_byte_ == kRtmpVersion)
    return close(events::StopReason::kError, "plain RTMP on the TLS port");
  if (first_byte_ != kTlsHandshakeRecord)
    return close(events::StopReason::kError,
                 fmt::format("TLS handshake failed: not a TLS ClientHello (first byte 0x{:02x})",
                             first_byte_));
  tls_->async_handshake(net::ssl::stream_base::server,
                        net::bind_executor(strand_, [self = shared_from_this()](auto e) {
                          self->on_tls_handshake(e);
                        }));
}

void Session::on_tls_handshake(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) return close(events::StopReason::kError, "TLS handshake failed: " + ec.message());
  tls_handshake_done_ = true;
  const SSL* ssl = tls_->native_handle();
  common::log::debug({.conn_id = conn_id_, .remote_addr = remote_addr_}, "TLS {} {}",
                     SSL_get_version(ssl), SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
  do_read();
}

}  // namespace rtmp::server
