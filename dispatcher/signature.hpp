#pragma once
// Standard Webhooks v1 signing: "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>".
#include <cstdint>
#include <string>
#include <string_view>

namespace rtmp::dispatcher {

// The HMAC key of a -webhook-secret: "whsec_<base64>" is decoded, anything else
// is used as raw bytes. Throws std::invalid_argument on bad base64 after whsec_.
std::string webhook_key(std::string_view secret);

// The webhook-signature header value for one delivery attempt.
std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp,
                              std::string_view body);

std::string base64_encode(std::string_view bytes);
// Throws std::invalid_argument when malformed.
std::string base64_decode(std::string_view text);

}  // namespace rtmp::dispatcher
