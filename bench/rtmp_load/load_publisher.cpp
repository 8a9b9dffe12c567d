#include "bench/rtmp_load/load_publisher.hpp"

namespace rtmp::load {

using amf0::Value;
using protocol::Message;

LoadPublisher::LoadPublisher(net::io_context& io, Target target, uint32_t chunk_size,
                             std::shared_ptr<const std::vector<FlvTag>> tags)
    : ClientConn(io, std::move(target), chunk_size), tags_(std::move(tags)), timer_(io) {}

void LoadPublisher::on_stream_ready() {
  send_command(protocol::kCsidCommand, 0,
               {Value::String("releaseStream"), Value::Number(3), Value::Null(),
                Value::String(target_.stream)});
  send_command(
      protocol::kCsidCommand, 0,
      {Value::String("FCPublish"), Value::Number(4), Value::Null(), Value::String(target_.stream)});
  send_command(8, stream_id_,
               {Value::String("publish"), Value::Number(5), Value::Null(),
                Value::String(target_.stream), Value::String("live")});
}

void LoadPublisher::on_status(const std::string& code) {
  if (code != "NetStream.Publish.Start" || publishing_) return;
  publishing_ = true;
  t0_ = Clock::now();
  pump();
}

void LoadPublisher::on_closed() {
  timer_.cancel();
}

// Sends every tag that is due, then sleeps until the next one. Headers (metadata,
// sequence headers) go out on the first pass only; later passes shift timestamps on.
void LoadPublisher::pump() {
  if (closed_) return;
  const auto& tags = *tags_;
  const uint32_t base = tags.front().timestamp;
  for (;;) {
    if (next_ == tags.size()) {
      loop_offset_ += tags.back().timestamp - base + 40;
      next_ = 0;
      first_loop_ = false;
    }
    const FlvTag& t = tags[next_];
    if (!first_loop_ && t.is_header) {
      ++next_;
      continue;
    }
    const uint32_t ts = t.timestamp - base + loop_offset_;
    const auto due = t0_ + std::chrono::milliseconds(ts);
    if (due > Clock::now()) {
      timer_.expires_at(due);
      timer_.async_wait(
          [self = std::static_pointer_cast<LoadPublisher>(shared_from_this())](auto ec) {
            if (!ec) self->pump();
          });
      return;
    }
    Message m;
    m.header.type_id = t.type;
    m.header.timestamp = ts;
    m.header.stream_id = stream_id_;
    if (t.type == 18) {  // metadata: @setDataFrame onMetaData {...}
      m.header.csid = protocol::kCsidData;
      amf0::encode(Value::String("@setDataFrame"), m.payload);
    } else {
      m.header.csid = t.type == 8 ? protocol::kCsidAudio : protocol::kCsidVideo;
    }
    m.payload.insert(m.payload.end(), t.data.begin(), t.data.end());
    m.header.length = static_cast<uint32_t>(m.payload.size());
    send(m);
    if (t.type == 9 && !t.is_header) ++frames_sent_;
    ++next_;
  }
}

}  // namespace rtmp::load
