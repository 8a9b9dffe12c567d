#pragma once
// Once the graceful shutdown has begun, a second SIGINT/SIGTERM (Ctrl-C
// twice) abandons it: common::exit_now. Its own io_context and thread, as
// the drain runs the server's io_context only part of the time.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <string>
#include <thread>

namespace rtmp::server {

class SecondSignal {
 public:
  // `abandoned`: what an exit then leaves undone, for its WARN line;
  // `before_exit` (optional) is run first, its text appended to that line.
  explicit SecondSignal(std::string abandoned, std::function<std::string()> before_exit = {});
  ~SecondSignal();  // stops waiting and joins the thread
  SecondSignal(const SecondSignal&) = delete;
  SecondSignal& operator=(const SecondSignal&) = delete;

  // From the first signal's handler: signals after it count as the second.
  // Once only.
  void arm();
  [[noreturn]] void exit(int sig) const;

 private:
  const std::string abandoned_;
  const std::function<std::string()> before_exit_;
  boost::asio::io_context ioc_;
  boost::asio::signal_set signals_;
  std::thread thread_;
};

}  // namespace rtmp::server
