#include "ingest/auth/callback_reply.hpp"

#include <boost/json.hpp>

namespace rtmp::auth {
namespace {

bool key_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string describe(unsigned char c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

std::string check_part(std::string_view part, const char* what) {
  if (part.empty()) return std::string("empty ") + what;
  if (part.front() == '.') return std::string(what) + " starts with '.'";
  for (unsigned char c : part) {
    if (!key_char(c)) return describe(c) + " in the " + what;
  }
  return "";
}

}  // namespace

std::string check_renamed_key(std::string_view key, std::size_t max_size) {
  if (key.size() > max_size) return "longer than " + std::to_string(max_size) + " bytes";
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return "not of the form app/name";
  const std::string_view app = key.substr(0, slash);
  const std::string_view name = key.substr(slash + 1);
  if (name.find('/') != std::string_view::npos) return "more than one '/'";
  if (auto why = check_part(app, "app"); !why.empty()) return why;
  return check_part(name, "name");
}

Decision decide_callback_reply(long status, std::string_view body,
                               const std::string& original_key) {
  if (status < 200 || status >= 300) return {false, "callback returned " + std::to_string(status)};
  // Only a JSON object can rename; anything else is an ordinary allow, as
  // callbacks that answer "ok" or nothing at all have always been. A body
  // that begins as an object but does not parse (cut short, trailing bytes)
  // may have meant a rename: going live under the requested key instead
  // would publish what the callback meant to hide.
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec) {
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] == '{')
      return {false, "callback reply is not valid JSON: " + ec.message()};
    return {true, ""};
  }
  if (!parsed.is_object()) return {true, ""};
  const boost::json::value* key = parsed.as_object().if_contains("stream_key");
  if (key == nullptr) return {true, ""};
  if (!key->is_string()) return {false, "callback stream_key is not a string"};
  const std::string_view renamed(key->as_string());
  if (auto why = check_renamed_key(renamed); !why.empty())
    return {false, "callback stream_key is invalid: " + why};
  Decision decision{true, ""};
  if (renamed != original_key) decision.stream_key = std::string(renamed);
  return decision;
}

}  // namespace rtmp::auth
