#include "dispatcher/kept_connections.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rtmp::dispatcher {
namespace {

// The local port of a socket, 0 when unknown.
long local_port(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return 0;
}

}  // namespace

KeptConnections::KeptConnections(CurlEpoll& io, size_t max_idle, Report report, void* owner)
    : io_(io), max_idle_(std::max<size_t>(max_idle, 1)), report_(report), owner_(owner) {}

KeptConnections::~KeptConnections() {
  for (auto& c : by_fd_)
    if (c) {
      io_.forget(c->fd);
      ::close(c->fd);
    }
}

void KeptConnections::adopt(const std::string& origin, int fd) {
  const int flags = fcntl(fd, F_GETFL);
  auto& pool = idle_[origin];
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || pool.size() >= max_idle_ ||
      !io_.watch(fd, EPOLLIN, this)) {
    io_.forget(fd);
    ::close(fd);
    return;
  }
  if (by_fd_.size() <= static_cast<size_t>(fd)) by_fd_.resize(fd + 1);
  by_fd_[fd] = std::make_unique<Conn>();
  Conn& c = *by_fd_[fd];
  c.fd = fd;
  c.origin = origin;
  pool.push_back(&c);
}

void KeptConnections::adopt_one(const std::string& origin, std::vector<int>& closed, long port) {
  int keep = -1;
  for (int fd : closed)
    if (port > 0 && keep < 0 && local_port(fd) == port) keep = fd;
  for (int fd : closed)
    if (fd != keep) ::close(fd);
  closed.clear();
  if (keep >= 0) adopt(origin, keep);
}

size_t KeptConnections::idle(const std::string& origin) const {
  const auto it = idle_.find(origin);
  return it == idle_.end() ? 0 : it->second.size();
}

bool KeptConnections::send(const std::string& origin, std::string_view request,
                           Clock::time_point deadline, void* tag) {
  const auto it = idle_.find(origin);
  if (it == idle_.end()) return false;
  while (!it->second.empty()) {
    Conn& c = *it->second.back();
    it->second.pop_back();
    c.tag = tag;
    c.out = request;
    c.deadline = deadline;
    c.parser.reset();
    if (write(c)) {
      busy_.push_back(&c);
      return true;
    }
    c.tag = nullptr;  // dead before anything was sent: drop it, try the next one
    close(c);
  }
  return false;
}

// Writes what is left of the request; false on a transport error.
bool KeptConnections::write(Conn& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c.out_watched) c.out_watched = io_.watch(c.fd, EPOLLIN | EPOLLOUT, this);
      return c.out_watched;
    } else {
      return false;
    }
  }
  if (c.out_watched) c.out_watched = !io_.watch(c.fd, EPOLLIN, this);
  return true;
}

void KeptConnections::on_ready(int fd, uint32_t events) {
  Conn& c = *by_fd_[static_cast<size_t>(fd)];
  if (!c.tag) {  // idle: the peer closed it (or sent what nobody asked for)
    auto& pool = idle_[c.origin];
    pool.erase(std::remove(pool.begin(), pool.end(), &c), pool.end());
    return close(c);
  }
  if ((events & EPOLLOUT) && !c.out.empty() && !write(c))
    return fail(c, std::string("Send failure: ") + std::strerror(errno));
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read(c);
}

void KeptConnections::read(Conn& c) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf_, sizeof buf_, 0);
    if (n > 0) {
      size_t used = 0;
      const auto state = c.parser.feed(std::string_view(buf_, static_cast<size_t>(n)), used);
      if (state == http1::ResponseParser::State::error)
        return fail(c, "bad response: " + c.parser.error());
      if (state == http1::ResponseParser::State::done) {
        Outcome o;
        o.status = c.parser.status();
        o.body = c.parser.body();
        // Bytes past the response, or a request not fully written: not reusable.
        return finish(c, std::move(o),
                      c.parser.keep_alive() && used == static_cast<size_t>(n) && c.out.empty());
      }
      if (static_cast<size_t>(n) < sizeof buf_) return;  // the rest comes with the next event
      continue;
    }
    if (n == 0) {
      if (c.parser.eof() == http1::ResponseParser::State::done) {
        Outcome o;
        o.status = c.parser.status();
        o.body = c.parser.body();
        return finish(c, std::move(o), false);
      }
      return fail(c, c.parser.error());
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return fail(c, std::string("Recv failure: ") + std::strerror(errno));
  }
}

// A transport failure: stale when nothing of the response came.
void KeptConnections::fail(Conn& c, std::string cause) {
  Outcome o;
  o.stale = !c.parser.started();
  o.transport_error = true;
  o.cause = std::move(cause);
  finish(c, std::move(o), false);
}

void KeptConnections::finish(Conn& c, Outcome&& outcome, bool reuse) {
  void* tag = c.tag;
  c.tag = nullptr;
  c.out = {};
  busy_.erase(std::remove(busy_.begin(), busy_.end(), &c), busy_.end());
  if (reuse) {
    park(c);
  } else {
    close(c);
  }
  report_(owner_, tag, std::move(outcome));
}

void KeptConnections::park(Conn& c) {
  if (c.out_watched) c.out_watched = !io_.watch(c.fd, EPOLLIN, this);
  auto& pool = idle_[c.origin];
  if (pool.size() >= max_idle_ || c.out_watched) return close(c);
  pool.push_back(&c);
}

void KeptConnections::close(Conn& c) {
  const int fd = c.fd;
  io_.forget(fd);
  ::close(fd);
  by_fd_[static_cast<size_t>(fd)].reset();  // `c` is gone
}

std::optional<KeptConnections::Clock::time_point> KeptConnections::expire(Clock::time_point now) {
  std::optional<Clock::time_point> next;
  for (size_t i = 0; i < busy_.size();) {
    Conn& c = *busy_[i];
    if (c.deadline > now) {
      next = next ? std::min(*next, c.deadline) : c.deadline;
      ++i;
      continue;
    }
    Outcome o;
    o.transport_error = true;
    o.cause = "Timeout was reached: no complete response before the hook timeout";
    finish(c, std::move(o), false);  // removes it from busy_
  }
  return next;
}

}  // namespace rtmp::dispatcher
