#include "ingest/app/second_signal.hpp"

#include <csignal>
#include <utility>

#include "common/forced_exit.hpp"

namespace rtmp::server {

SecondSignal::SecondSignal(std::string abandoned, std::function<std::string()> before_exit)
    : abandoned_(std::move(abandoned)), before_exit_(std::move(before_exit)), signals_(ioc_) {}

SecondSignal::~SecondSignal() {
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  if (thread_.joinable()) thread_.join();
}

void SecondSignal::arm() {
  if (thread_.joinable()) return;
  // Added now, not at construction: the first signal is not taken twice.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) exit(sig);
  });
  thread_ = std::thread([this] { ioc_.run(); });
}

void SecondSignal::exit(int sig) const {
  common::exit_now(sig, before_exit_ ? abandoned_ + before_exit_() : abandoned_);
}

}  // namespace rtmp::server
