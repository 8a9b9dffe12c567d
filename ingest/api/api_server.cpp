// The HTTP API's server (see api_server.hpp): the accept loop and its
// thread, and the shutdown that lets live-event clients read the last events.
// Its connections are in http_session.cpp and event_stream.cpp.
#include "ingest/api/api_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <thread>

#include "common/accept_loop.hpp"
#include "common/tcp_listen.hpp"
#include "ingest/api/api_connection.hpp"

namespace rtmp::api {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxConnections = 256;

}  // namespace

struct ApiServer::Impl {
  Impl(const ApiOptions& options, ApiContext context) : shared{options, std::move(context)} {}
  ApiShared shared;  // first: sessions still in the io_context refer to it
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread thread;
};

ApiServer::ApiServer(const ApiOptions& options, ApiContext context)
    : impl_(std::make_unique<Impl>(options, std::move(context))) {
  impl_->port = common::listen_tcp(impl_->acceptor, "api-addr", options.address);
  common::start_accept_loop(impl_->ioc, impl_->acceptor, {"api http", kMaxConnections},
                            [s = &impl_->shared](tcp::socket socket, common::ConnectionSlot slot) {
                              start_http_session(std::move(socket), std::move(slot), *s);
                            });
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

void ApiServer::stop(std::chrono::steady_clock::time_point deadline) {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->ioc, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->shared.ctx.hub.finish();
  while (impl_->shared.streaming.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (const int left = impl_->shared.streaming.load(std::memory_order_acquire); left > 0)
    spdlog::warn("api: {} live-event client{} had not read the last events at shutdown; closed",
                 left, left == 1 ? "" : "s");
  impl_->ioc.stop();
  impl_->thread.join();
}

ApiServer::~ApiServer() {
  stop(std::chrono::steady_clock::now());
}

uint16_t ApiServer::port() const {
  return impl_->port;
}

}  // namespace rtmp::api
