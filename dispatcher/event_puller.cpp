#include "dispatcher/event_puller.hpp"

#include <spdlog/spdlog.h>

#include "common/host_port.hpp"

namespace rtmp::dispatcher {

EventPuller::EventPuller(zmq::context_t& context, PullerOptions options,
                         std::atomic<uint64_t>& connected)
    : context_(context), options_(std::move(options)), connected_(connected) {}

EventPuller::~EventPuller() = default;

void EventPuller::connect() {
  socket_ = zmq::socket_t(context_, zmq::socket_type::pull);
  socket_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  socket_.set(zmq::sockopt::linger, 0);
  if (common::has_ipv6_literal(options_.endpoints)) socket_.set(zmq::sockopt::ipv6, 1);
  monitor_ = std::make_unique<IngestMonitor>(context_, socket_, options_.endpoints,
                                             options_.connect_warn_interval, connected_);
  for (const auto& endpoint : options_.endpoints) socket_.connect(endpoint);
  monitor_->started();
}

void EventPuller::pull(int max, const Handler& take) {
  monitor_->poll();
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                             {monitor_->socket().handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 2, options_.poll_interval);
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  zmq::message_t msg;
  for (int i = 0; i < max; ++i) {
    if (!socket_.recv(msg, zmq::recv_flags::dontwait)) break;
    if (!take(msg)) break;
  }
}

int EventPuller::drain(int limit, const Handler& take) {
  int n = 0;
  zmq::message_t msg;
  while (n < limit && socket_.recv(msg, zmq::recv_flags::dontwait)) {
    take(msg);
    ++n;
  }
  return n;
}

void EventPuller::leave(const Handler& take) {
  const int drained = drain(2 * options_.receive_hwm, take);
  for (const auto& endpoint : options_.endpoints) {
    try {
      socket_.disconnect(endpoint);
    } catch (const zmq::error_t&) {
    }
  }
  const int late = drain(2 * options_.receive_hwm, take);
  spdlog::debug("took {} queued event(s) before disconnecting, {} after", drained, late);
  monitor_->stop();
  socket_.close();
}

}  // namespace rtmp::dispatcher
