#pragma once
// Token mode: a fixed map stream_key -> token from repeated -auth-token flags.
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/auth/authorizer.hpp"

namespace rtmp::auth {

using TokenMap = std::unordered_map<std::string, std::string>;  // stream_key -> token

// Allows `request` when its stream key has a token in `tokens` and the offered
// token matches it (constant time). Shared by token and file mode.
Decision check_token(const TokenMap& tokens, const Request& request);

// Parses "stream_key=token" entries (split at the first '='). Throws
// std::runtime_error naming the flag, never echoing the token, on an entry
// without '=', an empty key or token, or a repeated key.
TokenMap parse_token_flags(const std::vector<std::string>& entries);

class TokenAuthorizer final : public Authorizer {
 public:
  explicit TokenAuthorizer(TokenMap tokens);
  void authorize(const Request& request, std::function<void(Decision)> done) override;

 private:
  const TokenMap tokens_;
};

}  // namespace rtmp::auth
