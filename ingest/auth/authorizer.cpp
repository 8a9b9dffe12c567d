// Flags, the factory that picks a mode, and stream-name parsing.
#include "ingest/auth/authorizer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "common/flags.hpp"
#include "common/percent.hpp"
#include "ingest/auth/callback_authorizer.hpp"
#include "ingest/auth/file_authorizer.hpp"
#include "ingest/auth/token_authorizer.hpp"

namespace rtmp::auth {
namespace {

// Mode "none": everyone may publish and play.
class AllowAll final : public Authorizer {
 public:
  void authorize(const Request&, std::function<void(Decision)> done) override { done({true, ""}); }
};

// -auth-actions: actions not listed are allowed without asking the mode.
class ActionFilter final : public Authorizer {
 public:
  ActionFilter(std::unique_ptr<Authorizer> inner, bool publish, bool play)
      : inner_(std::move(inner)), publish_(publish), play_(play) {}
  void authorize(const Request& request, std::function<void(Decision)> done) override {
    const bool checked = request.action == "publish" ? publish_ : play_;
    if (!checked) return done({true, ""});
    inner_->authorize(request, std::move(done));
  }
  void reload() override { inner_->reload(); }

 private:
  std::unique_ptr<Authorizer> inner_;
  bool publish_;
  bool play_;
};

std::string check_actions(const std::string& value) {
  if (value.empty()) return "want publish, play or publish,play";
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = std::min(value.find(',', start), value.size());
    const std::string action = value.substr(start, comma - start);
    if (action != "publish" && action != "play")
      return "unknown action \"" + action + "\" (want publish, play or publish,play)";
    start = comma + 1;
  }
  return {};
}

std::unique_ptr<Authorizer> make_mode_authorizer(const Options& options, const std::string& mode) {
  if (mode == "none") return std::make_unique<AllowAll>();
  if (mode == "token") {
    TokenMap tokens = parse_token_flags(options.tokens);
    if (tokens.empty()) throw std::runtime_error("-auth-mode token needs at least one -auth-token");
    return std::make_unique<TokenAuthorizer>(std::move(tokens));
  }
  if (mode == "file") {
    if (options.file.empty()) throw std::runtime_error("-auth-mode file needs -auth-file");
    return std::make_unique<FileAuthorizer>(options.file);
  }
  if (mode == "callback") {
    if (options.callback_url.empty())
      throw std::runtime_error("-auth-mode callback needs -auth-callback URL");
    return std::make_unique<CallbackAuthorizer>(options.callback_url, options.callback_timeout);
  }
  throw std::runtime_error("-auth-mode must be one of none, token, file, callback (got \"" + mode +
                           "\")");
}

}  // namespace

void register_flags(common::FlagSet& flags, Options& options) {
  flags.add_choice("auth-mode", &options.mode, "", {"none", "token", "file", "callback"},
                   "publish/play authentication; unset = the mode whose flag is given "
                   "(-auth-token, -auth-file, -auth-callback), else none");
  flags.add_string("auth-actions", &options.actions, "publish,play",
                   "actions the auth mode checks; the others are open to everyone "
                   "(publish,play, publish or play)",
                   check_actions);
  flags.add_list("auth-token", &options.tokens, "stream_key=token (token mode)");
  flags.add_string("auth-file", &options.file, "",
                   "JSON object {\"app/name\": \"token\"} (file mode), reloaded on SIGHUP");
  flags.add_string(
      "auth-callback", &options.callback_url, "",
      "URL POSTed {action, app, stream_name, stream_key, token, remote_addr}; 2xx allows, "
      "a JSON body's stream_key renames (callback mode)",
      [](const std::string& url) {
        return url.empty() || url.starts_with("http://") || url.starts_with("https://")
                   ? std::string()
                   : std::string("must be an http:// or https:// URL");
      });
  flags.add_duration("auth-callback-timeout", &options.callback_timeout, std::chrono::seconds(5),
                     "longest wait for the auth callback; no answer in time refuses",
                     common::FlagSet::above_zero());
}

std::string effective_mode(const Options& options) {
  std::vector<std::pair<std::string, std::string>> given;  // (flag, mode it belongs to)
  if (!options.tokens.empty()) given.emplace_back("-auth-token", "token");
  if (!options.file.empty()) given.emplace_back("-auth-file", "file");
  if (!options.callback_url.empty()) given.emplace_back("-auth-callback", "callback");
  if (options.mode.empty()) {
    if (given.size() > 1)
      throw std::runtime_error(given[0].first + " and " + given[1].first +
                               " belong to different auth modes; choose one with -auth-mode");
    return given.empty() ? "none" : given[0].second;
  }
  for (const auto& [flag, mode] : given) {
    if (mode != options.mode)
      throw std::runtime_error(flag + " needs -auth-mode " + mode + " (-auth-mode is " +
                               options.mode + ", so it would be ignored)");
  }
  return options.mode;
}

std::unique_ptr<Authorizer> make_authorizer(const Options& options) {
  if (const std::string err = check_actions(options.actions); !err.empty())
    throw std::runtime_error("-auth-actions: " + err);
  const std::string mode = effective_mode(options);
  std::unique_ptr<Authorizer> inner = make_mode_authorizer(options, mode);
  if (mode != "none") spdlog::info("auth: {} mode, checking {}", mode, options.actions);
  const bool publish = options.actions.find("publish") != std::string::npos;
  const bool play = options.actions.find("play") != std::string::npos;
  if (publish && play) return inner;
  return std::make_unique<ActionFilter>(std::move(inner), publish, play);
}

StreamName split_stream_name(const std::string& raw) {
  StreamName out;
  const auto question = raw.find('?');
  out.name = raw.substr(0, question);
  if (question == std::string::npos) return out;
  std::string_view query(raw);
  query.remove_prefix(question + 1);
  bool have_token = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = param.find('=');
    if (param.substr(0, eq) == "token") {
      // The first token= wins; none is kept in the query.
      if (!have_token)
        out.token =
            eq == std::string_view::npos ? "" : common::percent_decode(param.substr(eq + 1), true);
      have_token = true;
      continue;
    }
    if (param.empty()) continue;
    if (!out.query.empty()) out.query += '&';
    out.query += param;
  }
  return out;
}

}  // namespace rtmp::auth
