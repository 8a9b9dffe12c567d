#include "ingest/relay/tls_transport.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

namespace rtmp::relay {
namespace {

namespace ssl = net::ssl;

void load_trust(ssl::context& ctx, const std::string& ca_file, boost::system::error_code& ec) {
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(ca_file, ec);
  }
}

ssl::context make_client_context(const std::string& ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  load_trust(ctx, ca_file, ec);
  if (ec) throw boost::system::system_error(ec, "-relay-ca " + ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace

std::string check_ca_file(const std::string& ca_file) {
  try {
    make_client_context(ca_file);
  } catch (const boost::system::system_error& e) {
    return e.code().message();
  }
  return "";
}

TlsTransport::TlsTransport(const Strand& strand, const std::string& ca_file)
    : tcp_(std::make_shared<TcpTransport>(strand)),
      ctx_(make_client_context(ca_file)),
      stream_(tcp_->socket(), ctx_) {}

void TlsTransport::async_connect(const std::string& host, uint16_t port, ConnectHandler done) {
  // SNI names a host, never an address. OpenSSL checks the certificate
  // against the name or address itself, so a mismatch fails the handshake
  // with its own reason ("hostname mismatch", "IP address mismatch").
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(stream_.native_handle());
  if (ec) {
    SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str());
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
  tcp_->async_connect(
      host, port, [self = shared_from_this(), done = std::move(done)](std::string error) {
        if (!error.empty()) return done(std::move(error));
        self->stream_.async_handshake(
            ssl::stream_base::client,
            [self, done](const boost::system::error_code& hec) { self->on_handshake(hec, done); });
      });
}

void TlsTransport::on_handshake(const boost::system::error_code& ec, const ConnectHandler& done) {
  if (!ec) return done("");
  const long verify = SSL_get_verify_result(stream_.native_handle());
  if (verify != X509_V_OK)
    return done(std::string("TLS: certificate verification failed: ") +
                X509_verify_cert_error_string(verify));
  done("TLS handshake: " + ec.message());
}

void TlsTransport::async_write(std::vector<net::const_buffer> buffers, IoHandler done) {
  auto owned = std::make_shared<std::vector<net::const_buffer>>(std::move(buffers));
  net::async_write(stream_, *owned,
                   [self = shared_from_this(), owned, done = std::move(done)](
                       const boost::system::error_code& ec, size_t n) { done(ec, n); });
}

void TlsTransport::async_read_some(net::mutable_buffer buffer, IoHandler done) {
  stream_.async_read_some(buffer,
                          [self = shared_from_this(), done = std::move(done)](
                              const boost::system::error_code& ec, size_t n) { done(ec, n); });
}

void TlsTransport::close() {
  tcp_->close();
}

}  // namespace rtmp::relay
