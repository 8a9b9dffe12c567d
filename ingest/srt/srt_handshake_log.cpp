#include "ingest/srt/srt_handshake_log.hpp"

#include <srt/logging_api.h>
#include <sys/syslog.h>

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/logging.hpp"

namespace rtmp::srt {
namespace {

constexpr std::string_view kRejected = ":newConnection: connection rejected due to: ";
constexpr size_t kMaxNoted = 4096;  // bound on callers noted at once (a flood forgets the oldest)

// What libsrt's reject code means to the operator, and whether it refused
// the caller's passphrase (an auth failure).
struct Refusal {
  std::string why;
  bool passphrase = false;
};

Refusal describe(std::string_view code) {
  if (code.find("BADSECRET") != std::string_view::npos) return {"wrong passphrase", true};
  if (code.find("UNSECURE") != std::string_view::npos)
    return {"not encrypted (a passphrase is required), or encrypted where none is set", true};
  return {std::string(code), false};
}

}  // namespace

SrtHandshakeLog::SrtHandshakeLog(AuthRefused on_auth_refused)
    : on_auth_refused_(std::move(on_auth_refused)) {
  srt_setloglevel(LOG_WARNING);
  srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_EOL);
  srt_setloghandler(this, &SrtHandshakeLog::handler);
}

SrtHandshakeLog::~SrtHandshakeLog() {
  srt_setloghandler(nullptr, nullptr);
}

void SrtHandshakeLog::handler(void* self, int level, const char*, int, const char*,
                              const char* message) {
  static_cast<SrtHandshakeLog*>(self)->on_log(level, message ? message : "");
}

void SrtHandshakeLog::note(SRTSOCKET socket, std::string remote, std::string key) {
  std::lock_guard lock(mutex_);
  if (callers_.size() >= kMaxNoted) callers_.erase(callers_.begin());
  callers_[socket] = Caller{std::move(remote), std::move(key), std::chrono::steady_clock::now()};
}

void SrtHandshakeLog::forget(SRTSOCKET socket) {
  std::lock_guard lock(mutex_);
  callers_.erase(socket);
}

void SrtHandshakeLog::expire(std::chrono::steady_clock::duration age) {
  const auto cutoff = std::chrono::steady_clock::now() - age;
  std::lock_guard lock(mutex_);
  std::erase_if(callers_, [&](const auto& kv) { return kv.second.since <= cutoff; });
}

bool SrtHandshakeLog::on_log(int level, const char* message) {
  const std::string_view m(message);
  const auto at = m.find(kRejected);
  const auto sign = at == std::string_view::npos ? at : m.rfind('@', at);
  if (sign == std::string_view::npos) {
    common::log::debug({}, "libsrt({}): {}", level, m);
    return false;
  }
  const SRTSOCKET socket = static_cast<SRTSOCKET>(std::strtol(message + sign + 1, nullptr, 10));
  Caller caller;
  {
    std::lock_guard lock(mutex_);
    auto it = callers_.find(socket);
    if (it == callers_.end()) {
      common::log::debug({}, "libsrt({}): {}", level, m);
      return false;
    }
    caller = std::move(it->second);
    callers_.erase(it);
  }
  const Refusal refusal = describe(m.substr(at + kRejected.size()));
  common::log::warn({.stream_key = caller.key, .remote_addr = caller.remote},
                    "SRT caller refused in the handshake: {}", refusal.why);
  if (on_auth_refused_ && refusal.passphrase)
    on_auth_refused_(caller.remote, caller.key, refusal.why);
  return true;
}

}  // namespace rtmp::srt
