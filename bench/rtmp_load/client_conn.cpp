#include "bench/rtmp_load/client_conn.hpp"

#include <charconv>

namespace rtmp::load {

using amf0::Value;
using protocol::Message;
using protocol::MessageType;

std::string parse_url(const std::string& url, Target& out) {
  const std::string scheme = "rtmp://";
  if (url.rfind(scheme, 0) != 0) return "url must start with rtmp://: " + url;
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return "url has no /app/stream: " + url;
  std::string hostport = rest.substr(0, slash);
  const std::string path = rest.substr(slash + 1);
  const size_t colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string p = hostport.substr(colon + 1);
    unsigned v = 0;
    if (std::from_chars(p.data(), p.data() + p.size(), v).ec != std::errc() || v == 0 || v > 65535)
      return "bad port in " + url;
    out.port = static_cast<uint16_t>(v);
  }
  const size_t s2 = path.find('/');
  if (s2 == std::string::npos || s2 == 0 || s2 + 1 >= path.size())
    return "url has no /app/stream: " + url;
  out.app = path.substr(0, s2);
  out.stream = path.substr(s2 + 1);
  out.tc_url = scheme + hostport + "/" + out.app;
  return {};
}

ClientConn::ClientConn(net::io_context& io, Target target, uint32_t chunk_size)
    : io_(io), target_(std::move(target)), socket_(io), chunk_size_(chunk_size) {}

void ClientConn::start() {
  started_ = Clock::now();
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(target_.host, ec);
  if (ec) return fail("bad host " + target_.host + " (an IP address is needed)");
  socket_.async_connect({addr, target_.port}, [self = shared_from_this()](auto cec) {
    if (self->closed_) return;
    if (cec) return self->fail("connect: " + cec.message());
    self->socket_.set_option(net::ip::tcp::no_delay(true));
    const auto c0c1 = self->handshake_.start();
    self->queue_.emplace_back(c0c1);
    self->queued_bytes_ += c0c1.size();
    self->do_write();
    self->do_read();
  });
}

void ClientConn::stop() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  on_closed();
}

void ClientConn::fail(const std::string& why) {
  if (error_.empty() && !closed_) error_ = why;
  stop();
}

void ClientConn::set_receive_low_watermark(int bytes) {
  boost::system::error_code ec;
  socket_.set_option(net::socket_base::receive_low_watermark(bytes), ec);
  if (ec) fail("SO_RCVLOWAT: " + ec.message());
}

void ClientConn::do_read() {
  socket_.async_read_some(net::buffer(buf_),
                          [self = shared_from_this()](auto ec, size_t n) { self->on_read(ec, n); });
}

// Handshake bytes first, then the chunk stream; acknowledge per the server's window.
void ClientConn::on_read(boost::system::error_code ec, size_t n) {
  if (closed_) return;
  if (ec) return fail(ec == net::error::eof ? "closed by server" : "read: " + ec.message());
  bytes_in_ += n;
  if (Clock::now() >= window_start_) window_bytes_in_ += n;
  std::span<const uint8_t> data(buf_.data(), n);
  if (!handshake_.done()) {
    auto r = handshake_.feed(data);
    if (!r.error.empty()) return fail("handshake: " + r.error);
    data = data.subspan(r.consumed);
    if (!handshake_.done()) return do_read();
    queued_bytes_ += r.output.size();
    queue_.push_back(std::move(r.output));  // C2
    send(protocol::make_set_chunk_size(chunk_size_));
    writer_.set_chunk_size(chunk_size_);
    send_command(protocol::kCsidCommand, 0,
                 {Value::String("connect"), Value::Number(1),
                  Value::Object({{"app", Value::String(target_.app)},
                                 {"flashVer", Value::String("FMLE/3.0 (rtmp-load)")},
                                 {"tcUrl", Value::String(target_.tc_url)},
                                 {"fpad", Value::Boolean(false)},
                                 {"capabilities", Value::Number(15)},
                                 {"audioCodecs", Value::Number(3575)},
                                 {"videoCodecs", Value::Number(252)},
                                 {"videoFunction", Value::Number(1)}})});
  }
  messages_.clear();
  if (auto err = reader_.feed(data, messages_); !err.empty()) return fail("chunk stream: " + err);
  for (const auto& m : messages_) {
    handle(m);
    if (closed_) return;
  }
  if (bytes_in_ - acked_ >= ack_window_) {
    acked_ = bytes_in_;
    send(protocol::make_acknowledgement(static_cast<uint32_t>(bytes_in_)));
  }
  do_read();
}

void ClientConn::handle(const Message& m) {
  switch (m.type()) {
    case MessageType::kWindowAckSize:
      if (m.payload.size() >= 4)
        ack_window_ = std::max<uint32_t>(protocol::read_be(m.payload.data(), 4), 1);
      return;
    case MessageType::kUserControl:
      if (m.payload.size() >= 6 && protocol::read_be(m.payload.data(), 2) == 6)  // PingRequest
        send(protocol::make_ping_response(protocol::read_be(m.payload.data() + 2, 4)));
      return;
    case MessageType::kCommandAmf0:
    case MessageType::kCommandAmf3: {
      protocol::Command c;
      if (auto err = protocol::parse_command(m, c); !err.empty()) return fail("command: " + err);
      return handle_command(c);
    }
    case MessageType::kAudio:
    case MessageType::kVideo:
    case MessageType::kDataAmf0:
      return on_media(m);
    default:
      return;
  }
}

// connect(1) -> createStream(2) -> play/publish; onStatus errors end the connection.
void ClientConn::handle_command(const protocol::Command& c) {
  if (c.name == "_result" && c.transaction_id == 1) {
    send(protocol::make_window_ack_size(2500000));
    send_command(protocol::kCsidCommand, 0,
                 {Value::String("createStream"), Value::Number(2), Value::Null()});
  } else if (c.name == "_result" && c.transaction_id == 2) {
    if (c.args.empty() || c.args[0].type != amf0::Type::kNumber) return fail("createStream: no id");
    stream_id_ = static_cast<uint32_t>(c.args[0].number);
    on_stream_ready();
  } else if (c.name == "_error") {
    std::string desc = c.args.empty() ? "" : c.args[0].get_string("code").value_or("");
    fail("_error for transaction " + std::to_string(static_cast<int>(c.transaction_id)) + " " +
         desc);
  } else if (c.name == "onStatus" && !c.args.empty()) {
    const auto code = c.args[0].get_string("code").value_or("");
    if (c.args[0].get_string("level").value_or("status") == "error") return fail(code);
    on_status(code);
  }
}

void ClientConn::send(const Message& m) {
  std::vector<uint8_t> bytes;
  writer_.write(m, bytes);
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) do_write();
}

void ClientConn::send_command(uint32_t csid, uint32_t stream_id, std::vector<Value> values) {
  send(protocol::make_command(csid, stream_id, values));
}

// One write in flight; everything queued so far goes out in it.
void ClientConn::do_write() {
  if (writing_ || queue_.empty() || closed_) return;
  inflight_.clear();
  for (auto& b : queue_) inflight_.insert(inflight_.end(), b.begin(), b.end());
  queue_.clear();
  writing_ = true;
  net::async_write(socket_, net::buffer(inflight_), [self = shared_from_this()](auto ec, size_t n) {
    self->writing_ = false;
    self->queued_bytes_ -= n;
    self->bytes_out_ += n;
    if (self->closed_) return;
    if (ec) return self->fail("write: " + ec.message());
    self->do_write();
  });
}

}  // namespace rtmp::load
