#pragma once
// One RTMP client connection of the load tool: TCP connect, plain handshake,
// connect / createStream, then play or publish (subclasses). Runs on one
// io_context thread; its stats are read after that thread has stopped.
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/handshake.hpp"

namespace rtmp::load {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;
  uint16_t port = 1935;
  std::string app;
  std::string stream;  // stream name, with any ?query
  std::string tc_url;
};

// Parses rtmp://host[:port]/app/stream; empty string on success.
std::string parse_url(const std::string& url, Target& out);

class ClientConn : public std::enable_shared_from_this<ClientConn> {
 public:
  ClientConn(net::io_context& io, Target target, uint32_t chunk_size);
  virtual ~ClientConn() = default;

  void start();  // call on the io_context's thread (post it)
  void stop();   // ditto
  net::any_io_executor executor() { return socket_.get_executor(); }

  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }
  const std::string& error() const { return error_; }
  Clock::time_point started() const { return started_; }
  // -window-after: counters from this instant on (set before start()).
  void set_window_start(Clock::time_point t) { window_start_ = t; }
  uint64_t window_bytes_in() const { return window_bytes_in_; }

 protected:
  // The stream was created: send play / publish.
  virtual void on_stream_ready() = 0;
  // onStatus on our stream (level "status"): e.g. NetStream.Play.Start.
  virtual void on_status(const std::string& code) = 0;
  // Audio / video / data message received.
  virtual void on_media(const protocol::Message& m) = 0;
  virtual void on_closed() {}

  void send(const protocol::Message& m);
  void send_command(uint32_t csid, uint32_t stream_id, std::vector<amf0::Value> values);
  void fail(const std::string& why);
  // SO_RCVLOWAT: the socket reads as ready only once this many bytes are queued.
  void set_receive_low_watermark(int bytes);
  size_t queued_bytes() const { return queued_bytes_; }

  net::io_context& io_;
  Target target_;
  uint32_t stream_id_ = 0;
  bool closed_ = false;
  Clock::time_point window_start_ = Clock::time_point::max();

 private:
  void do_read();
  void on_read(boost::system::error_code ec, size_t n);
  void handle(const protocol::Message& m);
  void handle_command(const protocol::Command& c);
  void do_write();

  net::ip::tcp::socket socket_;
  protocol::ClientHandshake handshake_;
  protocol::ChunkReader reader_;
  protocol::ChunkWriter writer_;
  uint32_t chunk_size_;
  std::array<uint8_t, 64 * 1024> buf_{};
  std::vector<protocol::Message> messages_;
  std::deque<std::vector<uint8_t>> queue_;
  std::vector<uint8_t> inflight_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  uint64_t bytes_in_ = 0, bytes_out_ = 0, acked_ = 0, window_bytes_in_ = 0;
  uint32_t ack_window_ = 2500000;
  Clock::time_point started_{};
  std::string error_;
};

}  // namespace rtmp::load
