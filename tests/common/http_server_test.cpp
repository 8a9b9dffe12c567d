#include "common/http_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "common/metrics.hpp"

namespace rtmp::common {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A blocking Beast client whose reads give up after 10 s, so a server that
// never answers fails the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  http::response<http::string_body> request(http::verb verb, const std::string& target,
                                            bool keep_alive = true) {
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    if (verb == http::verb::head) parser.skip(true);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  // Reads until the server closes; returns the error that ended the read.
  beast::error_code wait_closed() {
    char byte;
    beast::error_code ec;
    while (!ec) socket_.read_some(net::buffer(&byte, 1), ec);
    return ec;
  }

  tcp::socket& socket() { return socket_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    options_.address = "127.0.0.1:0";
    connections_.set(2);
  }
  std::unique_ptr<HttpServer> start() {
    return std::make_unique<HttpServer>(
        options_, [this] { return registry_.render(); }, [this] { return ready_.load(); });
  }

  HttpServerOptions options_;
  metrics::Registry registry_;
  metrics::Gauge& connections_ = registry_.gauge("rtmp_test_connections", "Open connections.");
  std::atomic<bool> ready_{false};
};

TEST_F(HttpServerTest, ServesMetricsHealthAndReadinessOnOneConnection) {
  auto server = start();
  ASSERT_NE(server->port(), 0);
  Client client(server->port());

  auto metrics = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(metrics.result(), http::status::ok);
  EXPECT_EQ(metrics[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics.body(), registry_.render());
  EXPECT_NE(metrics.body().find("rtmp_test_connections 2\n"), std::string::npos);

  connections_.set(9);  // the next scrape sees the new value
  auto again = client.request(http::verb::get, "/metrics?x=1");
  EXPECT_NE(again.body().find("rtmp_test_connections 9\n"), std::string::npos) << again.body();

  auto health = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_EQ(health.body(), "ok");

  auto not_ready = client.request(http::verb::get, "/readyz");
  EXPECT_EQ(not_ready.result(), http::status::service_unavailable);
  ready_ = true;
  auto ready = client.request(http::verb::get, "/readyz");
  EXPECT_EQ(ready.result(), http::status::ok);
  EXPECT_EQ(ready.body(), "ready");
}

TEST_F(HttpServerTest, AnswersUnknownPathsMethodsAndHead) {
  auto server = start();
  Client client(server->port());
  EXPECT_EQ(client.request(http::verb::get, "/nope").result(), http::status::not_found);
  auto post = client.request(http::verb::post, "/metrics");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
  auto head = client.request(http::verb::head, "/healthz");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_length], "2");
  EXPECT_TRUE(head.body().empty());
  // Still in sync after HEAD: the next response is read whole.
  EXPECT_EQ(client.request(http::verb::get, "/healthz").body(), "ok");
}

TEST_F(HttpServerTest, ClosesWhenTheClientAsksTo) {
  auto server = start();
  Client client(server->port());
  auto res = client.request(http::verb::get, "/healthz", /*keep_alive=*/false);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(client.wait_closed(), net::error::eof);
}

TEST_F(HttpServerTest, ClosesASilentConnectionAfterTheReadTimeout) {
  options_.read_timeout = std::chrono::milliseconds(200);
  auto server = start();
  Client client(server->port());
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client.wait_closed(), net::error::eof);  // not the client's 10 s timeout
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
}

TEST_F(HttpServerTest, DropsAnOversizedRequest) {
  options_.max_request_bytes = 1024;
  auto server = start();
  Client client(server->port());
  std::string big =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(4096, 'a') + "\r\n\r\n";
  beast::error_code ec;
  net::write(client.socket(), net::buffer(big), ec);
  EXPECT_NE(client.wait_closed(), beast::error_code{});
  // The server goes on serving others.
  Client other(server->port());
  EXPECT_EQ(other.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(HttpServerTest, ReadyzIsOkWithoutACallback) {
  HttpServer server(
      options_, [] { return std::string(); }, nullptr);
  Client client(server.port());
  EXPECT_EQ(client.request(http::verb::get, "/readyz").result(), http::status::ok);
}

TEST_F(HttpServerTest, BindFailureThrowsNamingTheAddress) {
  auto server = start();
  options_.address = "127.0.0.1:" + std::to_string(server->port());
  try {
    start();
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(options_.address), std::string::npos) << e.what();
  }
  options_.address = "no-port";
  EXPECT_THROW(start(), std::runtime_error);
}

TEST(HttpFlags, MetricsAddrIsValidated) {
  HttpServerOptions options;
  FlagSet flags("test", "RTMP_HTTP_SERVER_TEST_");
  register_http_flags(flags, options);
  const char* argv[] = {"test", "-metrics-addr", ":9100"};
  ASSERT_TRUE(flags.parse(3, argv));
  EXPECT_EQ(options.address, ":9100");

  HttpServerOptions bad;
  FlagSet flags2("test", "RTMP_HTTP_SERVER_TEST_");
  register_http_flags(flags2, bad);
  const char* wrong[] = {"test", "-metrics-addr", "9100"};
  EXPECT_THROW(flags2.parse(3, wrong), FlagError);
}

}  // namespace
}  // namespace rtmp::common
