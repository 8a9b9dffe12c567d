#include "ingest/server/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace rtmp::server {
namespace {

namespace ssl = boost::asio::ssl;

// A missing or unreadable file named plainly: OpenSSL would say only
// "system lib".
void check_readable(const char* flag, const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(std::string(flag) + " " + path + ": " + std::strerror(errno));
}

std::string asn1_time_text(const ASN1_TIME* t) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  std::string out = "?";
  if (ASN1_TIME_print(bio, t) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

}  // namespace

TlsContext::TlsContext(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), current_(build()) {}

std::shared_ptr<ssl::context> TlsContext::build() const {
  check_readable("-tls-cert", cert_file_);
  check_readable("-tls-key", key_file_);
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // No TLS 1.3 session tickets: RTMP clients do not resume sessions, and
  // librtmp's GnuTLS build (rtmpdump) fails its RTMP handshake when tickets
  // arrive after the TLS one.
  SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file_, ec);
  if (ec) throw std::runtime_error("-tls-cert " + cert_file_ + ": " + ec.message());
  // An encrypted key must not make OpenSSL ask for its passphrase on the
  // terminal: that blocks the reload (and the signals behind it) on stdin.
  bool asked = false;
  ctx->set_password_callback([&asked](std::size_t, ssl::context::password_purpose) {
    asked = true;
    return std::string();
  });
  ctx->use_private_key_file(key_file_, ssl::context::pem, ec);
  // The context outlives `asked`: nothing else loads a key through it, but
  // its callback must not point at this frame.
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });
  if (ec && asked)
    throw std::runtime_error("-tls-key " + key_file_ +
                             ": the key is encrypted; give it unencrypted (openssl pkey -in " +
                             key_file_ + " -out KEY)");
  if (ec) throw std::runtime_error("-tls-key " + key_file_ + ": " + ec.message());
  // Loading fails for a key of the certificate's type that is not its key,
  // but a key of another type (an RSA key beside an ECDSA certificate) loads
  // into a slot of its own, and every handshake would then fail.
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("-tls-key " + key_file_ + ": not the key of the certificate in " +
                             cert_file_);
  }
  return ctx;
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool TlsContext::reload(std::string& error) {
  std::shared_ptr<ssl::context> next;
  try {
    next = build();
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
  return true;
}

std::string TlsContext::describe() const {
  const auto ctx = current();
  const X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
  if (cert == nullptr) return "no certificate";
  char subject[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  return std::string("subject ") + subject + ", valid until " +
         asn1_time_text(X509_get0_notAfter(cert));
}

}  // namespace rtmp::server
