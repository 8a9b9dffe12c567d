#include "dispatcher/ingest_monitor.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "common/host_port.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr int kEvents = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_DELAYED |
                        ZMQ_EVENT_CONNECT_RETRIED;

// The cause of a failed attempt as libzmq lets us see it: a host name that
// does not resolve gives a retry without any TCP connect before it.
constexpr const char* kRefused =
    "nothing accepts the connection (no listener there, or the host is unreachable)";
constexpr const char* kUnresolved = "the host name does not resolve (no connection attempted)";

// Why the host of a tcp:// endpoint does not resolve; empty when it does (or
// when it is not tcp://). An address literal resolves without DNS.
std::string resolve_error(const std::string& endpoint) {
  constexpr std::string_view kTcp = "tcp://";
  if (endpoint.rfind(kTcp, 0) != 0) return {};
  common::HostPort hp;
  try {
    hp = common::parse_host_port(std::string_view(endpoint).substr(kTcp.size()));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  if (hp.host.empty() || hp.host == "*") return {};
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(hp.host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc == 0) return {};
  return fmt::format("host \"{}\" does not resolve: {}", hp.host, ::gai_strerror(rc));
}

}  // namespace

IngestMonitor::IngestMonitor(zmq::context_t& context, zmq::socket_t& pull,
                             std::vector<std::string> endpoints, common::Duration warn_interval,
                             std::atomic<uint64_t>& connected)
    : pull_(pull), warn_interval_(warn_interval), connected_(connected) {
  const auto inproc = fmt::format("inproc://rtmp-dispatcher-monitor-{}", static_cast<void*>(this));
  if (zmq_socket_monitor(pull.handle(), inproc.c_str(), kEvents) != 0) throw zmq::error_t();
  monitor_ = zmq::socket_t(context, zmq::socket_type::pair);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(inproc);
  const auto now = Clock::now();
  for (auto& name : endpoints) {
    Endpoint e;
    e.inproc = name.rfind("inproc://", 0) == 0;
    e.up = e.inproc;
    e.name = std::move(name);
    e.since = now;
    endpoints_.push_back(std::move(e));
  }
  count();
}

void IngestMonitor::started() {
  const auto now = Clock::now();
  for (Endpoint& e : endpoints_) {
    if (e.inproc) continue;
    if (std::string why = resolve_error(e.name); !why.empty()) {
      e.cause = std::move(why);
      warn(e, now);
    }
  }
}

IngestMonitor::Endpoint& IngestMonitor::find(std::string_view reported) {
  Endpoint* only = nullptr;
  size_t monitored = 0;
  for (Endpoint& e : endpoints_) {
    if (e.name == reported) return e;
    if (!e.inproc) ++monitored, only = &e;
  }
  // libzmq may report a resolved form of the address: with one endpoint it is that one.
  if (monitored == 1) return *only;
  Endpoint e;
  e.name = std::string(reported);
  e.since = Clock::now();
  endpoints_.push_back(std::move(e));
  return endpoints_.back();
}

void IngestMonitor::poll() {
  zmq::message_t head;
  while (!stopped_ && monitor_.recv(head, zmq::recv_flags::dontwait)) {
    zmq::message_t where;  // second frame: the endpoint
    if (head.more()) (void)monitor_.recv(where, zmq::recv_flags::dontwait);
    if (head.size() < sizeof(uint16_t)) continue;
    uint16_t event = 0;
    std::memcpy(&event, head.data(), sizeof event);
    on_event(event, where.to_string_view());
  }
  const auto now = Clock::now();
  for (Endpoint& e : endpoints_) {
    if (!e.up && e.failures > 0 && now - e.warned >= warn_interval_) warn(e, now);
  }
}

void IngestMonitor::on_event(uint16_t event, std::string_view where) {
  Endpoint& e = find(where);
  const auto now = Clock::now();
  switch (event) {
    case ZMQ_EVENT_CONNECTED:
      if (!e.up) spdlog::info("connected to ingest {}", e.name);
      e.up = true;
      e.failures = 0;
      e.cause.clear();
      break;
    case ZMQ_EVENT_DISCONNECTED:
      if (e.up) spdlog::warn("lost connection to ingest {}", e.name);
      e.up = false;
      e.since = now;
      e.warned = now;  // the next WARN after warn_interval, if it stays down
      break;
    case ZMQ_EVENT_CONNECT_DELAYED:
      e.attempted = true;
      break;
    case ZMQ_EVENT_CONNECT_RETRIED:
      // Keep a cause found by name resolution at start: it says more.
      if (e.cause.empty() || e.cause == kRefused || e.cause == kUnresolved) {
        e.cause = e.attempted ? kRefused : kUnresolved;
      }
      e.attempted = false;
      // The first failure of a spell is news unless "lost connection" just said so.
      if (++e.failures == 1 && e.warned < e.since) warn(e, now);
      break;
    default:
      break;
  }
  count();
}

void IngestMonitor::warn(Endpoint& e, Clock::time_point now) {
  e.warned = now;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - e.since).count();
  spdlog::warn("not connected to ingest {} for {}s ({} attempt(s)): {}; retrying", e.name, secs,
               e.failures, e.cause.empty() ? "no answer yet" : e.cause);
}

void IngestMonitor::count() {
  uint64_t n = 0;
  for (const Endpoint& e : endpoints_) n += e.up;
  connected_.store(n);
}

void IngestMonitor::stop() {
  if (stopped_) return;
  zmq_socket_monitor(pull_.handle(), nullptr, 0);
  poll();
  stopped_ = true;
  monitor_.close();
  connected_.store(0);
}

}  // namespace rtmp::dispatcher
