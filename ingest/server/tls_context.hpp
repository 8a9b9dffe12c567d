#pragma once
// The RTMPS listener's certificate and key as an OpenSSL server context (TLS
// 1.2 at least). Built at startup, where a bad file is an error; rebuilt on
// SIGHUP, where a bad file keeps the context in use. Each connection takes
// the context current at its accept and holds it, so a reload never touches
// a connection already made.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

namespace rtmp::server {

class TlsContext {
 public:
  // Throws std::runtime_error naming the flag and OpenSSL's reason.
  TlsContext(std::string cert_file, std::string key_file);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads both files again. On success the next connections get the new
  // certificate; otherwise `error` says why and the current one stays.
  bool reload(std::string& error);
  // "subject CN=…, valid until …" of the current certificate, for logs.
  std::string describe() const;

 private:
  std::shared_ptr<boost::asio::ssl::context> build() const;  // throws std::runtime_error

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace rtmp::server
