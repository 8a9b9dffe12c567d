#include "dispatcher/nats_connection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "dispatcher/nats_target.hpp"
#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kConnectWait{2000};   // per connection attempt
constexpr milliseconds kReconnectWait{250};  // between reconnection attempts
constexpr milliseconds kCloseWait{5000};  // libnats' threads unwinding at the last connection's end

// libnats is one library-wide state with its own threads: opened by the first
// connection, closed (waiting for its threads, so nothing of it is left
// running or allocated) when the last one is destroyed.
std::mutex library_mutex;
int library_users = 0;  // guarded by library_mutex

void library_acquire() {
  std::lock_guard lock(library_mutex);
  if (library_users++ == 0) nats_Open(-1);
}

void library_release() {
  std::lock_guard lock(library_mutex);
  if (--library_users == 0 && nats_CloseAndWait(kCloseWait.count()) != NATS_OK)
    spdlog::warn("nats: the client library's threads did not end within {}ms", kCloseWait.count());
}

std::string status_text(natsStatus s, jsErrCode jerr) {
  std::string out = natsStatus_GetText(s);
  if (jerr != 0) out += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && out.find(last) == std::string::npos) out += std::string(": ") + last;
  return out;
}

std::string connected_url(natsConnection* nc) {
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  return url;
}

// Called on libnats' threads.
void on_connected(natsConnection* nc, void*) {
  spdlog::info("nats: connected to {}", redact_urls_in(connected_url(nc)));
}

void on_disconnected(natsConnection* nc, void*) {
  if (!natsConnection_IsClosed(nc)) spdlog::warn("nats: disconnected; reconnecting");
}

// At least 1 ms: libnats takes 0 as "its default".
int64_t ms_until(NatsConnection::Clock::time_point until) {
  return std::max<int64_t>(
      1, std::chrono::duration_cast<milliseconds>(until - NatsConnection::Clock::now()).count());
}

}  // namespace

NatsConnection::NatsConnection(std::string servers) : servers_(std::move(servers)) {
  library_acquire();
  natsOptions* opts = nullptr;
  NatsCredentials creds;
  const std::vector<std::string> urls = nats_server_urls(servers_, creds);
  std::vector<const char*> ptrs;
  for (const auto& u : urls) ptrs.push_back(u.c_str());
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetServers(opts, ptrs.data(), static_cast<int>(ptrs.size()));
  if (s == NATS_OK && !creds.user.empty())
    s = natsOptions_SetUserInfo(opts, creds.user.c_str(), creds.password.c_str());
  if (s == NATS_OK && !creds.token.empty()) s = natsOptions_SetToken(opts, creds.token.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, kConnectWait.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, kReconnectWait.count());
  // With a connected callback the first connect does not block: without
  // one, libnats retries inside natsConnection_Connect (forever here).
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, on_connected, nullptr);
  if (s == NATS_OK) {
    s = natsConnection_Connect(&nc_, opts);
    if (s == NATS_NOT_YET_CONNECTED) {
      spdlog::warn("nats: {} not reachable yet; retrying in the background",
                   redact_urls_in(servers_));
      s = NATS_OK;
    }
  }
  if (s == NATS_OK) s = natsConnection_JetStream(&js_, nc_, nullptr);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    spdlog::error("nats: connection to {}: {}", redact_urls_in(servers_),
                  redact_urls_in(status_text(s, jsErrCode(0))));
    if (nc_) natsConnection_Destroy(nc_);
    nc_ = nullptr;
  }
}

NatsConnection::~NatsConnection() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) natsConnection_Destroy(nc_);
  library_release();
}

// Down: fail now and let the caller's backoff pace the retries, rather than
// sit in a request that cannot be answered (the connection reconnects in the
// background).
std::string NatsConnection::not_connected() const {
  if (!nc_) return "cannot create the NATS connection";
  if (natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED) return {};
  // The reason, when the library has one (a refused password says
  // "Authorization Violation"); no credentials in errors.
  const char* last = nullptr;
  const bool known = natsConnection_GetLastError(nc_, &last) != NATS_OK && last && *last;
  return "not connected to " + redact_urls_in(servers_) +
         (known ? " (" + redact_urls_in(last) + ")" : "");
}

std::string NatsConnection::publish(const NatsStream& stream, const std::string& subject,
                                    const std::string& msg_id, const std::string& body,
                                    Clock::time_point until) {
  if (std::string why = not_connected(); !why.empty()) return why;
  if (std::string err = ensure_stream(stream, until); !err.empty()) return err;
  natsMsg* msg = nullptr;
  natsStatus s =
      natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", msg_id.c_str());
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return status_text(s, static_cast<jsErrCode>(0));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = ms_until(until);
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, js_, msg, &po, &jerr);
  natsMsg_Destroy(msg);
  if (s == NATS_NO_RESPONDERS) {
    // No stream captures the subject (deleted since it was looked up): the
    // next publish looks it up again, and creates it when it is gone.
    std::lock_guard lock(stream_mutex_);
    if (!stream_looking_) stream_ready_ = false;
  }
  if (s != NATS_OK) return status_text(s, jerr);
  jsPubAck_Destroy(ack);
  return {};
}

// The JetStream API calls wait no longer than the publish may.
std::string NatsConnection::ensure_stream(const NatsStream& stream, Clock::time_point until) {
  {
    std::unique_lock lock(stream_mutex_);
    if (!stream_changed_.wait_until(lock, until, [&] { return stream_ready_ || !stream_looking_; }))
      return "stream " + stream.name + ": lookup still running";
    if (stream_ready_) return {};
    stream_looking_ = true;
  }
  const std::string err = look_up_stream(stream, until);
  {
    std::lock_guard lock(stream_mutex_);
    stream_looking_ = false;
    stream_ready_ = err.empty();
  }
  stream_changed_.notify_all();
  return err;
}

// An existing stream is used as it is; a hook subject it does not capture
// would fail every publish with "No responders" alone, so it is named.
void NatsConnection::check_subjects(const NatsStream& stream, const jsStreamInfo* si) {
  std::vector<std::string> captured;
  if (si->Config)
    for (int i = 0; i < si->Config->SubjectsLen; ++i)
      captured.emplace_back(si->Config->Subjects[i]);
  std::lock_guard lock(stream_mutex_);
  if (!announced_)
    spdlog::info("nats: publishing to the existing stream {} (subjects {}) on {}", stream.name,
                 fmt::join(captured, " "), redact_urls_in(servers_));
  announced_ = true;
  for (const std::string& wanted : stream.subjects()) {
    const bool covered = std::any_of(captured.begin(), captured.end(), [&](const std::string& c) {
      return nats_subject_covers(c, wanted);
    });
    if (covered || std::find(uncovered_.begin(), uncovered_.end(), wanted) != uncovered_.end())
      continue;
    uncovered_.push_back(wanted);
    spdlog::error(
        "nats: the existing stream {} on {} does not capture the subject {} of a -hook-nats: "
        "its publishes get no answer (\"No responders\") and end as dead letters; add {} to "
        "the stream's subjects, or name another -nats-stream",
        stream.name, redact_urls_in(servers_), wanted, wanted);
  }
}

std::string NatsConnection::look_up_stream(const NatsStream& stream, Clock::time_point until) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = ms_until(until);
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, stream.name.c_str(), &jo, &jerr);
  if (s == NATS_OK) {
    check_subjects(stream, si);
    jsStreamInfo_Destroy(si);
    return {};
  }
  if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
    return "stream " + stream.name + ": " + status_text(s, jerr);
  const std::vector<std::string> filters = stream.subjects();
  std::vector<const char*> ptrs;
  for (const auto& f : filters) ptrs.push_back(f.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.name.c_str();
  cfg.Subjects = ptrs.data();
  cfg.SubjectsLen = static_cast<int>(ptrs.size());
  cfg.Replicas = stream.replicas;
  cfg.Storage = js_FileStorage;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, js_, &cfg, &jo, &jerr);
  if (s != NATS_OK) return "creating stream " + stream.name + ": " + status_text(s, jerr);
  jsStreamInfo_Destroy(si);
  spdlog::info("nats: created stream {} (subjects {}, replicas {}) on {}", stream.name,
               fmt::join(filters, " "), stream.replicas, redact_urls_in(servers_));
  return {};
}

}  // namespace rtmp::dispatcher
