// The HTTP servers' accept loop: sessions from the factory, the connection
// limit, and what happens over it. Real loopback sockets.
#include "common/accept_loop.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using rtmp::common::AcceptOptions;
using rtmp::common::ConnectionCount;
using rtmp::common::ConnectionSlot;

// Keeps accepted sockets (and their slots) open until told to let one go.
class AcceptLoopTest : public ::testing::Test {
 protected:
  void start(std::size_t max_connections) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::address_v4::loopback(), 0});
    acceptor_.listen();
    rtmp::common::start_accept_loop(ioc_, acceptor_, {"test http", max_connections, count_},
                                    [this](tcp::socket socket, ConnectionSlot slot) {
                                      held_.push_back({std::move(socket), std::move(slot)});
                                    });
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the loop's thread and waits for its result.
  template <class Fn>
  auto on_loop(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    net::post(ioc_, [&task] { task(); });
    return result.get();
  }

  std::size_t open() {
    return on_loop([this] { return count_->open.load(); });
  }

  // Waits up to 5 s for `n` open connections.
  bool wait_open(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (open() != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  tcp::socket connect() {
    tcp::socket s(client_ioc_);
    s.connect(acceptor_.local_endpoint());
    return s;
  }

  struct Held {
    tcp::socket socket;
    ConnectionSlot slot;
  };
  net::io_context ioc_{1};
  net::io_context client_ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::shared_ptr<ConnectionCount> count_ = std::make_shared<ConnectionCount>();
  std::vector<Held> held_;  // the loop thread's
  std::thread thread_;
};

// True when the server closed `s` (read gives EOF or a reset) within 5 s.
bool closed_by_server(tcp::socket& s) {
  timeval tv{5, 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte;
  boost::system::error_code ec;
  s.read_some(net::buffer(&byte, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

TEST_F(AcceptLoopTest, HandsEachConnectionToTheFactoryWithACountingSlot) {
  start(8);
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(wait_open(2));
  on_loop([this] {
    held_.pop_back();  // the session ends: its slot stops counting
    return 0;
  });
  EXPECT_EQ(open(), 1u);
}

TEST_F(AcceptLoopTest, ClosesConnectionsOverTheLimitAndAcceptsAgainBelowIt) {
  start(2);
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(wait_open(2));
  auto c = connect();  // the kernel accepts it; the loop closes it at once
  EXPECT_TRUE(closed_by_server(c));
  EXPECT_EQ(open(), 2u);
  on_loop([this] {
    held_.erase(held_.begin());
    return 0;
  });
  auto d = connect();
  EXPECT_TRUE(wait_open(2));
  EXPECT_EQ(on_loop([this] { return held_.size(); }), 2u);
}

// A session's last reference may go on another thread than the loop's (the
// API's event hub holds its live-event clients while it hands them events):
// slots end here while the loop accepts and reads the count. TSan checks it.
TEST_F(AcceptLoopTest, SlotsMayEndOnAnotherThreadWhileTheLoopAccepts) {
  start(64);
  std::vector<tcp::socket> first;
  for (int i = 0; i < 8; ++i) first.push_back(connect());
  ASSERT_TRUE(wait_open(8));
  std::vector<Held> taken = on_loop([this] {
    std::vector<Held> all;
    all.swap(held_);
    return all;
  });
  std::vector<tcp::socket> second;
  while (!taken.empty()) {
    second.push_back(connect());
    taken.pop_back();
  }
  EXPECT_TRUE(wait_open(8));
  EXPECT_EQ(on_loop([this] { return held_.size(); }), 8u);
}

TEST(ConnectionSlot, MovesItsCountAndCountsOnce) {
  auto count = std::make_shared<ConnectionCount>();
  {
    ConnectionSlot a(count);
    EXPECT_EQ(count->open, 1u);
    ConnectionSlot b(std::move(a));
    EXPECT_EQ(count->open, 1u);
    ConnectionSlot c(count);
    EXPECT_EQ(count->open, 2u);
    c = std::move(b);
    EXPECT_EQ(count->open, 1u);
  }
  EXPECT_EQ(count->open, 0u);
}

}  // namespace
