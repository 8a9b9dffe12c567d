#include "dispatcher/redact.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>

namespace rtmp::dispatcher {
namespace {

constexpr std::string_view kRedacted = "REDACTED";

// Drops the userinfo of each comma-separated server of an authority; a
// server may carry its own scheme ("nats://a:4222,nats://b:4222").
std::string strip_userinfo(std::string_view authority, bool& removed) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t comma = authority.find(',', start);
    std::string_view server = authority.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const size_t scheme = server.find("://");
    const std::string_view prefix =
        scheme == std::string_view::npos ? std::string_view() : server.substr(0, scheme + 3);
    std::string_view rest = server.substr(prefix.size());
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
      rest.remove_prefix(at + 1);
      removed = true;
    }
    out.append(prefix).append(rest);
    if (comma == std::string_view::npos) break;
    out += ',';
    start = comma + 1;
  }
  return out;
}

std::string redact_query(std::string_view query, bool& removed) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t amp = query.find('&', start);
    const std::string_view param =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    if (eq != std::string_view::npos && secret_param_name(name) && param.size() > eq + 1) {
      out.append(name).append("=").append(kRedacted);
      removed = true;
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

}  // namespace

bool secret_param_name(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kHints = {
      "token", "secret", "key", "pass", "pwd", "auth", "sig", "credential", "session", "jwt"};
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto hint : kHints)
    if (lower.find(hint) != std::string::npos) return true;
  return false;
}

RedactedTarget redact_url(std::string_view url) {
  RedactedTarget r;
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    r.text = url;
    return r;
  }
  const size_t auth_start = scheme + 3;
  // The authority ends at the first '/', '?' or '#' that is not part of a
  // further server's "scheme://".
  size_t auth_end = url.find_first_of("/?#", auth_start);
  while (auth_end != std::string_view::npos && url.substr(auth_end - 1, 3) == "://")
    auth_end = url.find_first_of("/?#", auth_end + 2);
  const std::string_view authority =
      url.substr(auth_start, auth_end == std::string_view::npos ? std::string_view::npos
                                                                : auth_end - auth_start);
  r.text.append(url.substr(0, auth_start)).append(strip_userinfo(authority, r.removed));
  if (auth_end == std::string_view::npos) return r;
  std::string_view tail = url.substr(auth_end);
  const size_t q = tail.find('?');
  if (q == std::string_view::npos) {
    r.text.append(tail);
    return r;
  }
  r.text.append(tail.substr(0, q + 1));
  tail.remove_prefix(q + 1);
  const size_t hash = tail.find('#');
  r.text.append(redact_query(tail.substr(0, hash), r.removed));
  if (hash != std::string_view::npos) r.text.append(tail.substr(hash));
  return r;
}

std::string redact_urls_in(std::string_view text) {
  constexpr std::string_view kEnd = " \t\r\n\"'<>()[]";
  std::string out;
  size_t done = 0;
  for (size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", done)) {
    size_t start = sep;
    while (start > done && std::isalnum(static_cast<unsigned char>(text[start - 1]))) --start;
    size_t end = text.find_first_of(kEnd, sep);
    if (end == std::string_view::npos) end = text.size();
    out.append(text.substr(done, start - done));
    out.append(redact_url(text.substr(start, end - start)).text);
    done = end;
  }
  out.append(text.substr(done));
  return out;
}

std::string target_id(std::string_view full_target) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(full_target.data(), full_target.size(), md, &len, EVP_sha256(), nullptr) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len && out.size() < 12; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace rtmp::dispatcher
