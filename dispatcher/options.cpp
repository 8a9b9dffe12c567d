#include "dispatcher/options.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "common/duration.hpp"
#include "common/host_port.hpp"
#include "common/payload.hpp"
#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr const char* kDefaultConnect = "tcp://127.0.0.1:5556";

std::string kind_flag(HookKind kind) {
  return "-hook-" + std::string(hook_kinds()[kind].name);
}

// The flag validator: empty when the pair parses, else the reason.
common::FlagSet::Validator pair_validator(HookKind kind) {
  return [kind](const std::string& value) -> std::string {
    try {
      parse_hook_spec(kind, value);
      return {};
    } catch (const common::FlagError& e) {
      return e.what();
    }
  };
}

}  // namespace

HookSpec parse_hook_spec(HookKind kind, const std::string& pair) {
  const HookKindDef& def = hook_kinds().at(kind);
  const auto eq = pair.find('=');
  if (eq == std::string::npos)
    throw common::FlagError("want event_type=" + std::string(def.target));
  HookSpec spec;
  spec.kind = kind;
  const std::string name = pair.substr(0, eq);
  spec.target = pair.substr(eq + 1);
  if (name.empty()) throw common::FlagError("missing event type before '='");
  if (name != "*") {
    spec.event = common::event_type_from_name(name);
    if (!spec.event) {
      std::string valid;
      for (const auto& n : common::event_names()) valid += n + ", ";
      throw common::FlagError("unknown event type \"" + name + "\" (want one of " + valid +
                              "or * for every event)");
    }
  }
  if (spec.target.empty()) throw common::FlagError("missing target after '='");
  if (const std::string why = def.check_target(spec.target); !why.empty()) {
    throw common::FlagError(why);
  }
  return spec;
}

const std::vector<std::string>& hook_pairs(const Options& options, HookKind kind) {
  static const std::vector<std::string> none;
  const auto it = options.hook_pairs.find(hook_kinds().at(kind).name);
  return it == options.hook_pairs.end() ? none : it->second;
}

bool has_hooks(const Options& options) {
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    if (!hook_pairs(options, k).empty()) return true;
  }
  return !options.stdio_format.empty();
}

void warn_options_without_hooks(const Options& o) {
  if (has_hooks(o)) return;
  const Options d;
  const std::string names = common::set_flag_names({
      {o.hook_timeout != d.hook_timeout, "-hook-timeout"},
      {o.hook_concurrency != d.hook_concurrency, "-hook-concurrency"},
      {o.hook_queue != d.hook_queue, "-hook-queue"},
      {!o.webhook_secret.empty(), "-webhook-secret"},
      {o.webhook_retries != d.webhook_retries, "-webhook-retries"},
      {!o.webhook_ca_file.empty(), "-webhook-ca-file"},
      {o.webhook_threads != d.webhook_threads, "-webhook-threads"},
      {o.nats_stream != d.nats_stream, "-nats-stream"},
      {o.nats_replicas != d.nats_replicas, "-nats-replicas"},
      {!o.dead_letter.empty(), "-dead-letter"},
  });
  if (!names.empty())
    spdlog::warn("{} given without any -hook-*: no hook runs here, so they do nothing", names);
}

int webhook_loop_count(const Options& options) {
  int64_t n = options.webhook_threads;
  if (n <= 0) n = std::min<int64_t>(2, std::max(1u, std::thread::hardware_concurrency()));
  n = std::min(n, options.hook_concurrency);
  return static_cast<int>(std::max<int64_t>(n, 1));
}

std::vector<HookSpec> hook_specs(const Options& options) {
  std::vector<HookSpec> out;
  auto add = [&](HookKind kind, const std::vector<std::string>& pairs) {
    for (const auto& pair : pairs) {
      try {
        out.push_back(parse_hook_spec(kind, pair));
      } catch (const common::FlagError& e) {
        throw common::FlagError("invalid value \"" + pair + "\" for flag " + kind_flag(kind) +
                                ": " + e.what());
      }
    }
  };
  for (HookKind k = 0; k < hook_kinds().size(); ++k) add(k, hook_pairs(options, k));
  return out;
}

void register_hook_flags(common::FlagSet& flags, Options& options) {
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    const HookKindDef& def = hook_kinds()[k];
    flags.add_list("hook-" + std::string(def.name), &options.hook_pairs[std::string(def.name)],
                   std::string(def.help), pair_validator(k));
  }
  flags.add_string(
      "hook-stdio-format", &options.stdio_format, "",
      "write every event to stderr, one line each: json (the webhook payload) or env (the "
      "script hook's RTMP_* variables as shell assignments for eval); empty = off",
      [](const std::string& v) {
        return v.empty() || v == "json" || v == "env" ? std::string()
                                                      : std::string("must be json, env or empty");
      });
  flags.add_duration("hook-timeout", &options.hook_timeout, options.hook_timeout,
                     "longest run of one hook execution, retries included (above 0)",
                     common::FlagSet::above_zero());
  flags.add_int("hook-concurrency", &options.hook_concurrency, options.hook_concurrency, 1, 100000,
                "most hook executions running at once");
  flags.add_int("hook-queue", &options.hook_queue, options.hook_queue, 1, 100000000,
                "executions waiting for a slot; when full, stop pulling events");
  flags.add_string("webhook-secret", &options.webhook_secret, "",
                   "sign webhooks with Standard Webhooks headers (whsec_<base64> or raw)",
                   [](const std::string& v) {
                     try {
                       // An empty key would sign with nothing: receivers could not
                       // tell our webhooks from anyone's.
                       if (webhook_key(v).empty())
                         return std::string("empty key (want whsec_<base64> or a raw secret)");
                       return std::string();
                     } catch (const std::invalid_argument& e) {
                       return std::string("bad base64 after whsec_: ") + e.what();
                     }
                   });
  flags.add_int("webhook-retries", &options.webhook_retries, options.webhook_retries, 0, 100,
                "extra attempts on connection error, 429 and 5xx");
  flags.add_string("webhook-ca-file", &options.webhook_ca_file, "",
                   "PEM file of CA certificates trusted for https webhooks instead of the "
                   "system's (read at startup: a file that is missing or holds no certificate "
                   "is an error)");
  flags.add_int("webhook-threads", &options.webhook_threads, options.webhook_threads, 0, 64,
                "event loops (threads) delivering webhooks, each with its own connections; "
                "0 = min(2, CPU cores), never more than -hook-concurrency");
  flags.add_string("nats-stream", &options.nats_stream, options.nats_stream,
                   "JetStream stream capturing the -hook-nats subjects; created when absent (an "
                   "existing one is used as it is); 1 to 255 characters, none of space . * > / \\");
  flags.add_int("nats-replicas", &options.nats_replicas, options.nats_replicas, 1, 5,
                "replicas of the -nats-stream when it is created (3 for a three-node cluster)");
  flags.add_string("dead-letter", &options.dead_letter, "",
                   "append every hook execution that finally fails (retries spent, timeout, "
                   "refused, script exit != 0, abandoned at shutdown) to this file as one JSON "
                   "line, credentials removed from its target; rtmp-dispatcher -replay sends "
                   "them again");
}

// ZeroMQ endpoints hold no commas, so "tcp://a:5556,tcp://b:5556" is two of
// them; empty pieces (a trailing comma) are ignored.
std::vector<std::string> split_endpoints(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string one = value.substr(start, end - start);
    while (!one.empty() && one.front() == ' ') one.erase(0, 1);
    while (!one.empty() && one.back() == ' ') one.pop_back();
    if (!one.empty()) out.push_back(std::move(one));
    start = end + 1;
  }
  return out;
}

void register_dispatcher_flags(common::FlagSet& flags, Options& options) {
  flags.add_list("events-connect", &options.events_connect,
                 std::string("ZeroMQ endpoint of an ingest to pull events from (IPv6 in "
                             "brackets: tcp://[::1]:5556); one per ingest, or several in one "
                             "value separated by commas (default ") +
                     kDefaultConnect + ")",
                 [](const std::string& v) {
                   const auto each = split_endpoints(v);
                   if (each.empty()) return std::string("no endpoint (want tcp://host:5556)");
                   for (const std::string& one : each) {
                     if (auto why = common::zmq_endpoint_error(one); !why.empty())
                       return "\"" + one + "\": " + why;
                   }
                   return std::string();
                 });
  flags.add_duration("connect-warn-interval", &options.connect_warn_interval,
                     options.connect_warn_interval,
                     "while an -events-connect endpoint is not connected, WARN naming it this "
                     "often (the first one after the first failed attempt; above 0)",
                     common::FlagSet::above_zero());
  flags.add_bool("sole-consumer", &options.sole_consumer, false,
                 "this is the only dispatcher pulling from its ingests: a seq gap is a loss "
                 "(WARN); without it gaps are expected (other dispatchers' events) and only "
                 "counted and logged at DEBUG");
}

// The one-line error of a flag whose value parsed but cannot be used.
static common::FlagError bad_value(std::string_view flag, const std::string& value,
                                   std::string_view why) {
  return common::FlagError("invalid value \"" + value + "\" for flag -" + std::string(flag) + ": " +
                           std::string(why));
}

void check_hook_options(const Options& o) {
  if (!o.webhook_ca_file.empty()) {
    std::ifstream in(o.webhook_ca_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
      throw bad_value("webhook-ca-file", o.webhook_ca_file, "cannot read it");
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw bad_value("webhook-ca-file", o.webhook_ca_file, "no PEM certificate in it");
  }
  // NATS refuses stream names with these (a dot would read as a subject).
  const std::string& s = o.nats_stream;
  if (s.empty() || s.size() > 255 || s.find_first_of(" \t\r\n.*>/\\") != std::string::npos)
    throw bad_value("nats-stream", s, "1 to 255 characters, none of space . * > / \\");
}

void warn_unrunnable_scripts(const Options& o) {
  const HookKind script = hook_kind("script");
  for (const auto& pair : hook_pairs(o, script)) {
    const std::string path = parse_hook_spec(script, pair).target;
    struct stat st {};
    // A directory passes access(X_OK) (it can be entered) but cannot be run.
    const bool directory = ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (directory || ::access(path.c_str(), X_OK) != 0)
      spdlog::warn("-hook-script {}: cannot be executed now ({}); its events fail until it can",
                   path, directory ? "a directory" : std::strerror(errno));
  }
}

void apply_connect_default(Options& options) {
  std::vector<std::string> each;
  for (const std::string& value : options.events_connect) {
    for (std::string& one : split_endpoints(value)) {
      if (std::find(each.begin(), each.end(), one) == each.end()) each.push_back(std::move(one));
    }
  }
  if (each.empty()) each.push_back(kDefaultConnect);
  options.events_connect = std::move(each);
}

}  // namespace rtmp::dispatcher
