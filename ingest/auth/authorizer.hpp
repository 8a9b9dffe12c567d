#pragma once
// Publish/play authorization (-auth-*, docs/flags.md). Sessions ask; an Authorizer
// answers through a callback so a slow callback URL never blocks a strand.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.hpp"

namespace rtmp::common {
class FlagSet;
}

namespace rtmp::auth {

struct Request {
  std::string action;       // "publish" or "play"
  std::string app;          // from connect's tcUrl/app
  std::string stream_name;  // as the client sent it, query removed
  std::string stream_key;   // app/stream_name
  std::string token;        // from ?token=, "" when absent (never logged)
  std::string remote_addr;  // ip:port
};

struct Decision {
  Decision() = default;
  Decision(bool allowed_, std::string error_) : allowed(allowed_), error(std::move(error_)) {}

  bool allowed = false;
  std::string error;  // why refused, for auth_failed and the log (never the token)
  // Set when allowed under another key (a callback's rename): the role runs
  // as this "app/name" and the requested key is used nowhere after.
  std::string stream_key;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // Calls `done` exactly once, from any thread (possibly inline, before
  // returning). Never blocks on I/O.
  virtual void authorize(const Request& request, std::function<void(Decision)> done) = 0;
  // SIGHUP: re-read the auth file (file mode); a broken file keeps the old map
  // and logs an error. No-op in other modes.
  virtual void reload() {}
};

struct Options {
  // none, token, file, callback; "" = implied by the one mode whose flags are
  // given (-auth-token, -auth-file, -auth-callback), else none.
  std::string mode;
  // -auth-actions: "publish,play", "publish" or "play"; actions not listed
  // are allowed without asking the mode.
  std::string actions = "publish,play";
  std::vector<std::string> tokens;  // "stream_key=token"
  std::string file;
  std::string callback_url;
  common::Duration callback_timeout = std::chrono::seconds(5);
};

void register_flags(common::FlagSet& flags, Options& options);
// The mode as run: -auth-mode, or the one implied by the flags given. Throws
// std::runtime_error when flags of another mode are given (auth never fails
// open: a token or file that would be ignored is a startup error).
std::string effective_mode(const Options& options);
// Validates options and builds the authorizer; throws std::runtime_error with a
// one-line message on bad configuration (startup only).
std::unique_ptr<Authorizer> make_authorizer(const Options& options);

// Splits a stream name as clients send it: "test?token=abc&x=1" -> name "test",
// token "abc", query "x=1" (the other parameters as sent, in order, so the
// secret never reaches events or logs).
struct StreamName {
  std::string name;
  std::string token;
  std::string query;
};
StreamName split_stream_name(const std::string& raw);

}  // namespace rtmp::auth
