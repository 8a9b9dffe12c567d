#include "dispatcher/curl_epoll.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

namespace rtmp::dispatcher {
namespace {

constexpr int kMaxEvents = 64;  // epoll events taken per wait

}  // namespace

CurlEpoll::CurlEpoll() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wakefd_;
  if (epfd_ < 0 || wakefd_ < 0 || epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) {
    if (wakefd_ >= 0) ::close(wakefd_);
    if (epfd_ >= 0) ::close(epfd_);
    throw std::runtime_error("webhook loop: epoll/eventfd setup failed");
  }
}

CurlEpoll::~CurlEpoll() {
  ::close(wakefd_);
  ::close(epfd_);
}

void CurlEpoll::attach_multi(CURLM* multi) {
  multi_ = multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlEpoll::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlEpoll::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
}

void CurlEpoll::attach_easy(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &CurlEpoll::on_open);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlEpoll::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
}

bool CurlEpoll::run_once(std::chrono::milliseconds max_wait) {
  auto wait = max_wait;
  if (timer_)
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*timer_ - Clock::now()));
  std::array<epoll_event, kMaxEvents> events;
  const int n = epoll_wait(epfd_, events.data(), kMaxEvents,
                           static_cast<int>(std::max<int64_t>(wait.count(), 0)));
  bool woken = false;
  int still = 0;
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wakefd_) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t r = ::read(wakefd_, &count, sizeof count);
      woken = true;
      continue;
    }
    if (drop_if_parked(fd)) continue;
    const uint32_t e = events[i].events;
    const int mask = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                     (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    curl_multi_socket_action(multi_, fd, mask, &still);
  }
  if (timer_ && *timer_ <= Clock::now()) {
    timer_.reset();
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &still);
  }
  return woken;
}

void CurlEpoll::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wakefd_, &one, sizeof one);
}

CurlEpoll::Watch& CurlEpoll::watch(curl_socket_t s) {
  const auto i = static_cast<size_t>(s);
  if (i >= watches_.size()) watches_.resize(i + 1);
  return watches_[i];
}

bool CurlEpoll::set_events(curl_socket_t s, Watch& w, uint32_t events) {
  if (w.registered == events) return true;
  epoll_event ev{};
  ev.data.fd = s;
  ev.events = events;
  int op = events == 0 ? EPOLL_CTL_DEL : w.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epfd_, op, s, &ev) != 0 && op != EPOLL_CTL_DEL) {
    op = errno == EEXIST ? EPOLL_CTL_MOD : errno == ENOENT ? EPOLL_CTL_ADD : -1;
    if (op < 0 || epoll_ctl(epfd_, op, s, &ev) != 0) return false;
  }
  w.registered = events;
  return true;
}

// An event on a parked socket: curl does not care, stop watching it.
bool CurlEpoll::drop_if_parked(int fd) {
  const auto i = static_cast<size_t>(fd);
  if (i >= watches_.size() || watches_[i].wanted) return false;
  set_events(fd, watches_[i], 0);
  return true;
}

int CurlEpoll::on_socket(CURL*, curl_socket_t s, int what, void* user, void*) {
  auto* self = static_cast<CurlEpoll*>(user);
  Watch& w = self->watch(s);
  if (what == CURL_POLL_REMOVE) {
    w.wanted = false;
    if (!w.ours) self->set_events(s, w, 0);
    return 0;
  }
  w.wanted = true;
  const uint32_t events =
      (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  return self->set_events(s, w, events) ? 0 : -1;
}

int CurlEpoll::on_timer(CURLM*, long timeout_ms, void* user) {
  auto* self = static_cast<CurlEpoll*>(user);
  if (timeout_ms < 0)
    self->timer_.reset();
  else
    self->timer_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

curl_socket_t CurlEpoll::on_open(void* user, curlsocktype, curl_sockaddr* address) {
  auto* self = static_cast<CurlEpoll*>(user);
  const int s = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (s < 0) return CURL_SOCKET_BAD;
  self->watch(s) = Watch{0, false, true};
  return s;
}

int CurlEpoll::on_close(void* user, curl_socket_t s) {
  auto* self = static_cast<CurlEpoll*>(user);
  Watch& w = self->watch(s);
  self->set_events(s, w, 0);  // explicitly: a spawned child may still share the socket
  w = Watch{};
  return ::close(s);
}

}  // namespace rtmp::dispatcher
