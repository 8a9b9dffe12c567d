#pragma once
// A hook target as it may be written down (dead letters): credentials
// removed. URL userinfo (`user:pass@`, a NATS token) goes, in every server of
// a comma-separated list; query parameters whose names hint at a secret keep
// their name with the value REDACTED. Anything else is left as it was, so the
// same target always redacts to the same text (replay matches on it).
#include <string>
#include <string_view>

namespace rtmp::dispatcher {

struct RedactedTarget {
  std::string text;
  bool removed = false;  // whether anything was taken out
};

// For URL targets (webhook, nats): see above.
RedactedTarget redact_url(std::string_view url);

// `text` (an error message) with every URL in it redacted as above: a URL
// starts at its scheme's "://" and ends at a space, a quote or a bracket.
std::string redact_urls_in(std::string_view text);

// A short identifier of a full target (credentials included) that may be
// written down: 12 hex digits of its SHA-256. Two targets that redact to the
// same text (they differ only in credentials) get different ids, so a dead
// letter can say which of them it came from. Like any unsalted hash it lets
// someone who reads the file test guesses of a weak credential offline; the
// dead-letter file is mode 0600 for its payloads anyway.
std::string target_id(std::string_view full_target);

// Whether a query parameter of this name carries a secret: its lower-case
// name holds token, secret, key, pass, pwd, auth, sig, credential, session
// or jwt.
bool secret_param_name(std::string_view name);

}  // namespace rtmp::dispatcher
