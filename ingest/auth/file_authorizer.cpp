#include "ingest/auth/file_authorizer.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace rtmp::auth {

TokenMap load_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read auth file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read auth file " + path);

  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(text.str(), ec);
  if (ec) throw std::runtime_error("auth file " + path + ": invalid JSON: " + ec.message());
  if (!root.is_object())
    throw std::runtime_error("auth file " + path +
                             ": expected a JSON object {\"app/name\": \"token\"}");

  TokenMap tokens;
  for (const auto& [key, value] : root.as_object()) {
    if (!value.is_string() || value.as_string().empty() || key.empty())
      throw std::runtime_error("auth file " + path + ": entry \"" + std::string(key) +
                               "\" must map a stream key to a non-empty string");
    tokens.emplace(std::string(key), std::string(value.as_string()));
  }
  return tokens;
}

FileAuthorizer::FileAuthorizer(std::string path)
    : path_(std::move(path)), tokens_(std::make_shared<const TokenMap>(load_token_file(path_))) {}

void FileAuthorizer::authorize(const Request& request, std::function<void(Decision)> done) {
  done(check_token(*snapshot(), request));
}

void FileAuthorizer::reload() {
  std::shared_ptr<const TokenMap> fresh;
  try {
    fresh = std::make_shared<const TokenMap>(load_token_file(path_));
  } catch (const std::exception& e) {
    spdlog::error("auth file not reloaded, keeping the previous {} entries: {}", size(), e.what());
    return;
  }
  const std::size_t count = fresh->size();
  {
    std::lock_guard lock(mutex_);
    tokens_.swap(fresh);
  }
  spdlog::info("auth file {} reloaded: {} entries", path_, count);
  // `fresh` now holds the old map; it is freed here or by the last reader.
}

std::size_t FileAuthorizer::size() const {
  return snapshot()->size();
}

std::shared_ptr<const TokenMap> FileAuthorizer::snapshot() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

}  // namespace rtmp::auth
