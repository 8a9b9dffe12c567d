#include "ingest/auth/token_authorizer.hpp"

#include <stdexcept>
#include <utility>

#include "ingest/auth/constant_time.hpp"

namespace rtmp::auth {

Decision check_token(const TokenMap& tokens, const Request& request) {
  if (request.token.empty()) return {false, "missing token"};
  const auto it = tokens.find(request.stream_key);
  // An unknown key still costs one comparison, so it looks like a wrong token.
  const bool match = constant_time_equals(request.token, it != tokens.end() ? it->second : "");
  if (it == tokens.end() || !match) return {false, "invalid token"};
  return {true, ""};
}

TokenMap parse_token_flags(const std::vector<std::string>& entries) {
  TokenMap tokens;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& entry = entries[i];
    const auto eq = entry.find('=');
    const std::string where = "-auth-token #" + std::to_string(i + 1);
    if (eq == std::string::npos)
      throw std::runtime_error(where + ": expected stream_key=token (value not shown)");
    std::string key = entry.substr(0, eq);
    if (key.empty()) throw std::runtime_error(where + ": empty stream key");
    if (eq + 1 == entry.size()) throw std::runtime_error(where + ": empty token for " + key);
    if (tokens.contains(key)) throw std::runtime_error(where + ": stream key " + key + " repeated");
    tokens.emplace(std::move(key), entry.substr(eq + 1));
  }
  return tokens;
}

TokenAuthorizer::TokenAuthorizer(TokenMap tokens) : tokens_(std::move(tokens)) {}

void TokenAuthorizer::authorize(const Request& request, std::function<void(Decision)> done) {
  done(check_token(tokens_, request));
}

}  // namespace rtmp::auth
