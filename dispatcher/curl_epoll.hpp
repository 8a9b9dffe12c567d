#pragma once
// Drives one libcurl multi handle with curl_multi_socket_action from an epoll
// set: curl's socket callback keeps the set, its timer callback the next
// timeout. A kept-alive connection socket (opened and closed through this
// class's socket callbacks, SOCK_CLOEXEC) stays registered between requests
// ("parked"), so the next request on it needs no epoll_ctl; an event on a
// parked socket (the peer closing it) just unregisters it. Other sockets (a
// resolver's) are unregistered when curl lets go of them. An eventfd lets
// other threads interrupt the wait. One thread uses it, apart from wake().
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace rtmp::dispatcher {

class CurlEpoll {
 public:
  using Clock = std::chrono::steady_clock;

  CurlEpoll();  // throws std::runtime_error when epoll or the eventfd fails
  ~CurlEpoll();
  CurlEpoll(const CurlEpoll&) = delete;
  CurlEpoll& operator=(const CurlEpoll&) = delete;

  // Sets the multi handle's socket and timer callbacks. Clean the handle up
  // before this object goes (its connections close through on_close).
  void attach_multi(CURLM* multi);
  // Sets an easy handle's open/close socket callbacks.
  void attach_easy(CURL* easy);

  // Waits up to `max_wait` (less when curl's timer is due sooner), hands every
  // ready socket and a due timer to curl. Returns whether wake() was called.
  bool run_once(std::chrono::milliseconds max_wait);

  // Any thread: makes the current or next run_once() return at once.
  void wake();

 private:
  struct Watch {
    uint32_t registered = 0;  // events registered in epoll; 0 = not in the set
    bool wanted = false;      // curl watches it now
    bool ours = false;        // a connection socket from on_open, not yet closed
  };

  Watch& watch(curl_socket_t s);
  bool set_events(curl_socket_t s, Watch& w, uint32_t events);
  bool drop_if_parked(int fd);

  static int on_socket(CURL*, curl_socket_t s, int what, void* user, void*);
  static int on_timer(CURLM*, long timeout_ms, void* user);
  static curl_socket_t on_open(void* user, curlsocktype, curl_sockaddr* address);
  static int on_close(void* user, curl_socket_t s);

  int epfd_ = -1;
  int wakefd_ = -1;
  CURLM* multi_ = nullptr;
  std::optional<Clock::time_point> timer_;  // curl's next timeout
  std::vector<Watch> watches_;              // by fd
};

}  // namespace rtmp::dispatcher
