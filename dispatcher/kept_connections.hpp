#pragma once
// Plain-HTTP connections a webhook loop took over from libcurl once a request
// on them ended kept alive: the next requests to the same origin are written,
// and their responses parsed (http1), right here, without a libcurl transfer.
// libcurl still makes every connection (name resolution, connect, proxies,
// TLS); this only reuses finished plain ones. One loop's worth, on its thread.
//
// At most `max_idle` idle connections per origin are kept (more are closed);
// an idle one that turns readable (the peer closed it) is closed. A request on
// a connection found dead before any byte of its response reports `stale`:
// the caller sends it again over a fresh connection, as libcurl does for a
// reused connection, without counting an attempt.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dispatcher/curl_epoll.hpp"
#include "dispatcher/http1.hpp"

namespace rtmp::dispatcher {

class KeptConnections final : public CurlEpoll::Handler {
 public:
  using Clock = std::chrono::steady_clock;

  struct Outcome {
    bool stale = false;            // dead connection, nothing received: send again
    bool transport_error = false;  // no complete response (cause says why)
    long status = 0;
    std::string cause;
    std::string body;  // the first bytes of the response body
  };
  // Told once per send() that returned true, with its tag.
  using Report = void (*)(void* owner, void* tag, Outcome&& outcome);

  KeptConnections(CurlEpoll& io, size_t max_idle, Report report, void* owner);
  ~KeptConnections();  // closes every connection; requests in flight are not reported

  // Takes over a connected socket that libcurl let go of.
  void adopt(const std::string& origin, int fd);
  // Of the sockets libcurl closed during one transfer, takes over the one with
  // local port `port` (the transfer's connection; 0: none) and closes the
  // others (failed connection attempts, older connections). Empties `closed`.
  void adopt_one(const std::string& origin, std::vector<int>& closed, long port);
  // Writes `request` (kept alive by the caller until reported) on an idle
  // connection to `origin`; false, reporting nothing, when there is none.
  bool send(const std::string& origin, std::string_view request, Clock::time_point deadline,
            void* tag);
  // Reports the requests whose deadline passed as timed out; returns the next
  // deadline of one in flight.
  std::optional<Clock::time_point> expire(Clock::time_point now);
  size_t idle(const std::string& origin) const;

  void on_ready(int fd, uint32_t events) override;

 private:
  struct Conn {
    int fd = -1;
    std::string origin;
    void* tag = nullptr;   // in flight when set
    std::string_view out;  // request bytes still to write
    bool out_watched = false;
    Clock::time_point deadline;
    http1::ResponseParser parser;
  };

  bool write(Conn& c);
  void read(Conn& c);
  void finish(Conn& c, Outcome&& outcome, bool reuse);
  void fail(Conn& c, std::string cause);
  void park(Conn& c);
  void close(Conn& c);

  CurlEpoll& io_;
  const size_t max_idle_;
  const Report report_;
  void* const owner_;
  std::vector<std::unique_ptr<Conn>> by_fd_;
  std::unordered_map<std::string, std::vector<Conn*>> idle_;  // by origin
  std::vector<Conn*> busy_;
  char buf_[16 * 1024];
};

}  // namespace rtmp::dispatcher
