#pragma once
// Reading an auth callback's answer. The status decides, as nginx-rtmp's
// on_publish does; a 2xx JSON object with "stream_key" also renames the
// stream, so the key a publisher (or player) knows can stay private while
// players, events, recordings and relays only ever see the public one.
#include <string>
#include <string_view>

#include "ingest/auth/authorizer.hpp"

namespace rtmp::auth {

// The decision for a callback reply. A 2xx allows; when its body is a JSON
// object holding "stream_key", that key must pass check_renamed_key (else the
// reply refuses) and is returned in Decision::stream_key unless it equals
// `original_key`. Any other body (empty, text, JSON without the member) allows
// with no rename. A non-2xx status refuses whatever the body says.
Decision decide_callback_reply(long status, std::string_view body, const std::string& original_key);

// Why `key` cannot name a stream, or "" when it can: exactly "app/name", both
// parts non-empty, of letters, digits and "-_.~" only, neither starting with
// "." (no "..", no hidden files where a recording path is built from the key),
// at most `max_size` bytes. The message never repeats the key.
std::string check_renamed_key(std::string_view key, std::size_t max_size = 1024);

}  // namespace rtmp::auth
