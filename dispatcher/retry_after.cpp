#include "dispatcher/retry_after.hpp"

#include <curl/curl.h>

#include <string>

namespace rtmp::dispatcher {

std::chrono::seconds parse_retry_after(std::string_view value, std::time_t now,
                                       std::chrono::seconds cap) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' ||
                            value.back() == '\n'))
    value.remove_suffix(1);
  if (value.empty()) return std::chrono::seconds(0);
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    long long secs = 0;
    for (const char c : value) {
      secs = secs * 10 + (c - '0');
      if (secs >= cap.count()) return cap;  // saturates before it could overflow
    }
    return std::chrono::seconds(secs);
  }
  // An HTTP-date starts with a day name: a leading digit ("1.5", "10s") is
  // a malformed delay-seconds, which curl_getdate might still read as a date.
  if (value.front() >= '0' && value.front() <= '9') return std::chrono::seconds(0);
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), &now);
  if (at == -1 || at <= now) return std::chrono::seconds(0);
  const long long secs = static_cast<long long>(at - now);
  return std::chrono::seconds(secs >= cap.count() ? cap.count() : secs);
}

}  // namespace rtmp::dispatcher
