// One HTTP API connection answering requests (see api_connection.hpp), in
// the style of Beast's async server example: read a request, route it,
// write the answer, read the next.
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "ingest/api/api_connection.hpp"

namespace rtmp::api {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kMaxRequestBytes = 16 * 1024;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, common::ConnectionSlot slot, ApiShared& shared)
      : stream_(std::move(socket)), slot_(std::move(slot)), s_(shared) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kMaxRequestBytes);
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(s_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec.category() == http::make_error_code(http::error::bad_target).category())
      return refuse_request(ec);
    if (ec) return fail(ec, "read");
    Request& req = parser_->get();
    // A target in absolute form (what a client talking to a proxy sends)
    // routes by its path.
    if (const std::string_view t = req.target();
        t.starts_with("http://") || t.starts_with("https://")) {
      const auto path = t.find('/', t.find("//") + 2);
      req.target(path == std::string_view::npos ? std::string("/") : std::string(t.substr(path)));
    }
    if (is_event_stream_get(req)) return on_events_request(req);
    answer(req, route(req, s_.options, s_.ctx));
  }

  // A GET of the live event stream: refused as any request, or the
  // connection becomes an EventStream (it never reads another request).
  void on_events_request(const Request& req) {
    if (auto denied = check_token(req, s_.options)) return answer(req, std::move(*denied));
    EventFilter filter;
    if (auto bad = parse_event_filter(query_of(req), filter))
      return answer(req, error_response(req, http::status::bad_request, *bad));
    if (s_.streaming.load(std::memory_order_acquire) >= kMaxEventClients) {
      spdlog::warn("api: live-event client {} refused: {} clients already",
                   peer_text(stream_.socket()), kMaxEventClients);
      auto res =
          error_response(req, http::status::service_unavailable,
                         "too many live-event clients (" + std::to_string(kMaxEventClients) + ")");
      res.keep_alive(false);
      return answer(req, std::move(res));
    }
    if (s_.ctx.metrics) s_.ctx.metrics->request(kEventsPath, 200);
    stream_.expires_never();
    start_event_stream(stream_.release_socket(), std::move(slot_), s_, req, std::move(filter));
  }

  void answer(const Request& req, Response res) {
    res_ = std::move(res);
    if (s_.ctx.metrics) s_.ctx.metrics->request(route_pattern(req, s_.ctx), res_.result_int());
    do_write();
  }

  void do_write() {
    stream_.expires_after(s_.options.write_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  // A request the parser refused (not HTTP/1.x, a malformed line or header,
  // too large): a JSON error, then the connection closes, since the rest of
  // the stream cannot be trusted to start a request.
  void refuse_request(beast::error_code ec) {
    http::status status = http::status::bad_request;
    if (ec == http::error::body_limit) status = http::status::payload_too_large;
    if (ec == http::error::header_limit) status = http::status::request_header_fields_too_large;
    spdlog::debug("api http: refused a request: {}", ec.message());
    Request req;
    req.version(11);
    res_ = error_response(req, status, "bad request: " + ec.message());
    res_.keep_alive(false);
    if (s_.ctx.metrics) s_.ctx.metrics->request("other", res_.result_int());
    do_write();
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  // Ends our side, then reads (and drops) what the client still sends until
  // it closes or the read timeout passes: closing with its bytes unread
  // would reset the connection, and a client still sending (a refused body)
  // could lose the answer.
  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(s_.options.read_timeout);
    linger();
  }

  void linger() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->linger();
                            });
  }

  void fail(beast::error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    spdlog::debug("api http {}: {}", what, ec.message());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kMaxRequestBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
  common::ConnectionSlot slot_;
  ApiShared& s_;
  std::array<char, 4096> discard_{};  // what a client sends after its last request
};

}  // namespace

void start_http_session(tcp::socket socket, common::ConnectionSlot slot, ApiShared& shared) {
  std::make_shared<HttpSession>(std::move(socket), std::move(slot), shared)->run();
}

}  // namespace rtmp::api
