#include "ingest/srt/srt_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <srt/access_control.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

#include "common/host_port.hpp"
#include "common/logging.hpp"
#include "ingest/srt/srt_publisher.hpp"
#include "ingest/srt/srt_stream_id.hpp"

namespace rtmp::srt {
namespace {

constexpr int kPollMs = 100;  // how often the acceptor looks at stop()

// libsrt's text, with the system's cause when there is one: a bind that
// fails says only "unable to create/configure SRT socket" without it.
std::string srt_error() {
  int sys = 0;
  srt_getlasterror(&sys);
  std::string text = srt_getlasterror_str();
  if (sys != 0) text.append(" (").append(std::strerror(sys)).append(")");
  return text;
}

}  // namespace

std::string sockaddr_text(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof host);
      return std::string(host) + ":" + std::to_string(ntohs(in6->sin6_port));
    }
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "unknown";
}

SrtListener::SrtListener(const SrtOptions& options, SrtContext ctx)
    : options_(options),
      ctx_(ctx),
      passphrases_(options.passphrase, options.passphrase_file),
      handshake_log_([this](const std::string& remote, const std::string& key,
                            const std::string& why) { emit_auth_failed(remote, key, why); }),
      id_base_(std::random_device{}() & 0xffffff) {
  srt_startup();
}

SrtListener::~SrtListener() {
  stop();
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
  srt_cleanup();
}

void SrtListener::listen() {
  common::HostPort hp;
  try {
    hp = common::parse_host_port(options_.listen);
  } catch (const std::exception& e) {
    throw std::runtime_error("-srt-listen " + options_.listen + ": " + e.what());
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(hp.port);
  const std::string host = hp.host.empty() || hp.host == "localhost"
                               ? (hp.host.empty() ? "0.0.0.0" : "127.0.0.1")
                               : hp.host;
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
    throw std::runtime_error("-srt-listen " + options_.listen + ": not an IPv4 address");

  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) throw std::runtime_error("SRT socket: " + srt_error());
  const int latency = static_cast<int>(options_.latency_ms);
  const int pbkeylen = std::stoi(options_.pbkeylen);
  const bool enforced = true;
  srt_setsockflag(listener_, SRTO_LATENCY, &latency, sizeof latency);
  srt_setsockflag(listener_, SRTO_PBKEYLEN, &pbkeylen, sizeof pbkeylen);
  srt_setsockflag(listener_, SRTO_ENFORCEDENCRYPTION, &enforced, sizeof enforced);
  if (srt_bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == SRT_ERROR)
    throw std::runtime_error("cannot listen on -srt-listen " + options_.listen + ": " +
                             srt_error());
  if (srt_listen_callback(listener_, &SrtListener::on_listen, this) == SRT_ERROR ||
      srt_listen(listener_, 64) == SRT_ERROR)
    throw std::runtime_error("cannot listen on -srt-listen " + options_.listen + ": " +
                             srt_error());
  sockaddr_storage bound{};
  int len = sizeof bound;
  srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  epoll_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (epoll_ < 0 || srt_epoll_add_usock(epoll_, listener_, &events) == SRT_ERROR)
    throw std::runtime_error("SRT epoll: " + srt_error());
}

void SrtListener::start() {
  acceptor_ = std::thread([this] { accept_loop(); });
}

int SrtListener::on_listen(void* self, SRTSOCKET ns, int, const sockaddr* peer,
                           const char* stream_id) {
  return static_cast<SrtListener*>(self)->check_caller(ns, peer, stream_id);
}

// libsrt's thread, inside the handshake: decide quickly, never block.
int SrtListener::check_caller(SRTSOCKET ns, const sockaddr* peer, const char* stream_id) {
  const std::string remote = sockaddr_text(peer);
  std::string error;
  const auto id = parse_stream_id(stream_id ? stream_id : "", error);
  if (!id) {
    common::log::warn({.remote_addr = remote}, "SRT caller refused: {}; it sent \"{}\"", error,
                      loggable_stream_id(stream_id ? stream_id : ""));
    srt_setrejectreason(ns, SRT_REJX_BAD_REQUEST);
    return -1;
  }
  if (stopping_.load() || ctx_.session.counters.connections_open.load() >= ctx_.max_connections) {
    ctx_.session.counters.connections_rejected.fetch_add(1);
    common::log::warn({.stream_key = id->key, .remote_addr = remote},
                      "SRT caller refused: -max-connections {} reached", ctx_.max_connections);
    srt_setrejectreason(ns, SRT_REJX_OVERLOAD);
    return -1;
  }
  const Passphrases::Lookup pass = passphrases_.lookup(id->key);
  if (!pass.allowed) {
    common::log::warn({.stream_key = id->key, .remote_addr = remote},
                      "SRT caller refused: no passphrase for this stream in -srt-passphrase-file");
    emit_auth_failed(remote, id->key, "no passphrase for this stream in -srt-passphrase-file");
    srt_setrejectreason(ns, SRT_REJX_FORBIDDEN);
    return -1;
  }
  if (!pass.passphrase.empty() &&
      srt_setsockflag(ns, SRTO_PASSPHRASE, pass.passphrase.data(),
                      static_cast<int>(pass.passphrase.size())) == SRT_ERROR) {
    common::log::warn({.stream_key = id->key, .remote_addr = remote},
                      "SRT caller refused: cannot set its passphrase: {}", srt_error());
    srt_setrejectreason(ns, SRT_REJX_ISE);
    return -1;
  }
  common::log::debug({.stream_key = id->key, .remote_addr = remote}, "SRT caller {}: handshake",
                     pass.passphrase.empty() ? "unencrypted" : "encrypted");
  handshake_log_.note(ns, remote, id->key);
  return 0;
}

void SrtListener::accept_loop() {
  while (!stopping_.load()) {
    SRT_EPOLL_EVENT ready[8];
    const int n = srt_epoll_uwait(epoll_, ready, 8, kPollMs);
    if (n > 0) accept_one();
    reap(false);
    // A handshake libsrt neither completed nor refused in this long is gone.
    handshake_log_.expire(std::chrono::seconds(30));
  }
}

void SrtListener::accept_one() {
  sockaddr_storage peer{};
  int len = sizeof peer;
  const SRTSOCKET s = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &len);
  if (s == SRT_INVALID_SOCK) {
    spdlog::warn("SRT accept: {}", srt_error());
    return;
  }
  handshake_log_.forget(s);
  char sid[600] = {};
  int sid_len = sizeof sid - 1;
  srt_getsockflag(s, SRTO_STREAMID, sid, &sid_len);
  std::string error;
  auto id =
      parse_stream_id(std::string_view(sid, static_cast<size_t>(std::max(0, sid_len))), error);
  const std::string remote = sockaddr_text(reinterpret_cast<sockaddr*>(&peer));
  if (!id) {  // the callback let it through: cannot happen, but never publish it
    common::log::warn({.remote_addr = remote}, "SRT caller refused: {}", error);
    srt_close(s);
    return;
  }
  auto pub = std::make_unique<SrtPublisher>(ctx_, s, next_conn_id(), remote, std::move(*id));
  SrtPublisher& p = *pub;
  {
    std::lock_guard lock(mutex_);
    publishers_[p.conn_id()] = std::move(pub);
  }
  p.start();
}

void SrtListener::reap(bool all) {
  std::vector<std::unique_ptr<SrtPublisher>> ended;
  {
    std::lock_guard lock(mutex_);
    for (auto it = publishers_.begin(); it != publishers_.end();) {
      if (all || it->second->done()) {
        ended.push_back(std::move(it->second));
        it = publishers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  ended.clear();  // joins (outside the lock: a publisher may be finishing)
}

void SrtListener::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  // The port closes now, not when the listener is destroyed after the drain.
  if (listener_ != SRT_INVALID_SOCK) {
    srt_close(listener_);
    listener_ = SRT_INVALID_SOCK;
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, p] : publishers_)
      p->stop(events::StopReason::kShutdown, "server shutting down");
  }
  reap(true);
}

bool SrtListener::close_connection(const std::string& conn_id, events::StopReason reason,
                                   const std::string& why) {
  std::lock_guard lock(mutex_);
  auto it = publishers_.find(conn_id);
  if (it == publishers_.end() || it->second->done()) return false;
  it->second->stop(reason, why);
  return true;
}

std::string SrtListener::next_conn_id() {
  char buf[32];
  std::snprintf(
      buf, sizeof buf, "srt-%06llx",
      static_cast<unsigned long long>((id_base_ + next_id_.fetch_add(1)) & 0xffffffffffULL));
  return buf;
}

// A caller refused for its passphrase is an auth failure, though no
// connection was made: auth_failed alone, with an id of its own (no
// connection_accept or connection_close goes with it).
void SrtListener::emit_auth_failed(const std::string& remote, const std::string& key,
                                   const std::string& why) {
  ctx_.session.counters.auth_failures.fetch_add(1);
  ctx_.session.events.emit(
      events::Event{next_conn_id(), key, events::AuthFailed{"publish", why, remote}, 0});
}

}  // namespace rtmp::srt
