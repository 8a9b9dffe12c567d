#pragma once
// File mode: a JSON object {"live/test": "secret"} read at startup and again on
// reload() (SIGHUP). Readers take a shared_ptr snapshot, so a reload never
// blocks or disturbs a check in progress; a broken file keeps the old map.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "ingest/auth/authorizer.hpp"
#include "ingest/auth/token_authorizer.hpp"

namespace rtmp::auth {

// Reads and validates an auth file; throws std::runtime_error with a one-line
// reason (never a token) when it cannot be read, is not JSON, is not an object
// or has a value that is not a non-empty string.
TokenMap load_token_file(const std::string& path);

class FileAuthorizer final : public Authorizer {
 public:
  // Throws std::runtime_error (startup) when the file is unreadable or invalid.
  explicit FileAuthorizer(std::string path);
  void authorize(const Request& request, std::function<void(Decision)> done) override;
  // Re-reads the file; on failure logs an ERROR and keeps the current map.
  void reload() override;
  std::size_t size() const;  // entries in the current map

 private:
  std::shared_ptr<const TokenMap> snapshot() const;

  const std::string path_;
  mutable std::mutex mutex_;  // guards only the tokens_ pointer
  std::shared_ptr<const TokenMap> tokens_;
};

}  // namespace rtmp::auth
