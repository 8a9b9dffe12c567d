#include "ingest/server/rtmp_connection.hpp"

namespace rtmp::server {

using protocol::Message;
using protocol::MessageType;

namespace {

constexpr uint32_t kMaxStreamsPerConnection = 16;
constexpr uint8_t kPeerBandwidthDynamic = 2;

// Payload of a data message as AMF0 (AMF3 data messages carry a 0x00 first).
std::span<const uint8_t> amf0_body(const Message& m) {
  std::span<const uint8_t> body = m.payload;
  if (m.type() == MessageType::kDataAmf3 && !body.empty() && body[0] == 0) body = body.subspan(1);
  return body;
}

}  // namespace

RtmpConnection::RtmpConnection(ConnectionOptions options, RtmpDelegate& delegate)
    : options_(options), delegate_(delegate), reader_(options.limits) {}

std::string RtmpConnection::feed(std::span<const uint8_t> data) {
  if (!handshake_.done()) {
    auto r = handshake_.feed(data);
    if (!r.error.empty()) return "handshake: " + r.error;
    out_.insert(out_.end(), r.output.begin(), r.output.end());
    data = data.subspan(r.consumed);
    if (!handshake_.done()) return "";
    delegate_.on_handshake_complete();
    if (data.empty()) return "";
  }
  inbox_.clear();
  const std::string err = reader_.feed(data, inbox_);
  for (auto& m : inbox_) {
    if (auto e = on_message(std::move(m)); !e.empty()) return e;
  }
  if (!err.empty()) return err;
  maybe_acknowledge();
  return "";
}

void RtmpConnection::send(const Message& message) {
  writer_.write(message, out_);
}

std::string RtmpConnection::on_message(Message&& m) {
  switch (m.type()) {
    case MessageType::kAudio:
    case MessageType::kVideo:
      if (publishing_stream_ != 0 && m.header.stream_id == publishing_stream_)
        delegate_.on_media(std::move(m));
      return "";
    case MessageType::kDataAmf0:
    case MessageType::kDataAmf3:
      on_data(std::move(m));
      return "";
    case MessageType::kCommandAmf0:
    case MessageType::kCommandAmf3:
      return on_command(std::move(m));
    case MessageType::kAggregate:
      return on_aggregate(m);
    case MessageType::kUserControl:
    case MessageType::kWindowAckSize:
    case MessageType::kSetPeerBandwidth:
      on_control(m);
      return "";
    default:
      // Set Chunk Size and Abort were applied by the reader; Acknowledgement
      // and shared objects need nothing from us.
      return "";
  }
}

void RtmpConnection::on_control(const Message& m) {
  const auto& p = m.payload;
  switch (m.type()) {
    case MessageType::kUserControl:
      if (p.size() >= 6 && protocol::read_be(p.data(), 2) ==
                               static_cast<uint16_t>(protocol::UserControlEvent::kPingRequest))
        send(protocol::make_ping_response(protocol::read_be(p.data() + 2, 4)));
      break;
    case MessageType::kWindowAckSize:
      if (p.size() >= 4) peer_window_ = protocol::read_be(p.data(), 4);
      break;
    case MessageType::kSetPeerBandwidth:
      // Honoured as the spec asks: announce our window again when it differs.
      if (p.size() >= 4) {
        const uint32_t size = protocol::read_be(p.data(), 4);
        if (size != 0 && size != sent_window_) {
          sent_window_ = size;
          send(protocol::make_window_ack_size(size));
        }
      }
      break;
    default:
      break;
  }
}

void RtmpConnection::on_data(Message&& m) {
  if (publishing_stream_ == 0 || m.header.stream_id != publishing_stream_) return;
  std::vector<amf0::Value> values;
  if (!amf0::decode_all(amf0_body(m), values, options_.amf_limits).empty() || values.empty())
    return;  // undecodable metadata is dropped, not fatal
  if (values[0].is_string() && values[0].string == "@setDataFrame") values.erase(values.begin());
  if (values.empty()) return;
  m.payload = amf0::encode_all(values);
  m.header.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  delegate_.on_media(std::move(m));
}

std::string RtmpConnection::on_aggregate(const Message& m) {
  // A sequence of FLV tags: type(1) size(3) ts(3) ts_ext(1) stream(3) body
  // prev_tag_size(4). Sub-message timestamps are rebased on the aggregate's.
  const auto& p = m.payload;
  size_t pos = 0;
  bool first = true;
  uint32_t base = 0;
  while (pos + 11 <= p.size()) {
    const uint8_t type = p[pos];
    const uint32_t size = protocol::read_be(&p[pos + 1], 3);
    const uint32_t ts = protocol::read_be(&p[pos + 4], 3) | (uint32_t{p[pos + 7]} << 24);
    if (pos + 11 + size + 4 > p.size()) return "aggregate message: truncated tag";
    if (first) base = ts;
    first = false;
    Message sub;
    sub.header = m.header;
    sub.header.type_id = type;
    sub.header.length = size;
    sub.header.timestamp = m.header.timestamp + (ts - base);
    sub.payload.assign(p.begin() + static_cast<long>(pos + 11),
                       p.begin() + static_cast<long>(pos + 11 + size));
    if (type == static_cast<uint8_t>(MessageType::kAggregate))
      return "aggregate message: nested aggregate";
    if (auto e = on_message(std::move(sub)); !e.empty()) return e;
    pos += 11 + size + 4;
  }
  return "";
}

std::string RtmpConnection::on_command(Message&& m) {
  protocol::Command c;
  if (auto err = protocol::parse_command(m, c, options_.amf_limits); !err.empty())
    return "malformed command: " + err;
  if (c.name == "connect") {
    if (connected_) return "";  // a second connect is ignored
    handle_connect(c);
    return "";
  }
  if (!connected_) return "command \"" + c.name.substr(0, 64) + "\" before connect";
  if (c.name == "createStream") {
    if (next_stream_id_ > kMaxStreamsPerConnection) {
      send(protocol::make_error(c.transaction_id, "NetConnection.Call.Failed", "Too many streams"));
      return "";
    }
    send(protocol::make_result(c.transaction_id, amf0::Value::Number(next_stream_id_++)));
    return "";
  }
  if (c.name == "releaseStream" || c.name == "FCPublish" || c.name == "FCSubscribe") {
    if (c.transaction_id != 0)
      send(protocol::make_result(c.transaction_id, amf0::Value::Undefined()));
    return "";
  }
  handle_stream_command(c, m.header.stream_id);
  return "";
}

void RtmpConnection::handle_connect(const protocol::Command& c) {
  app_ = c.command_object.get_string("app").value_or("");
  if (auto q = app_.find('?'); q != std::string::npos) app_.resize(q);
  while (!app_.empty() && app_.back() == '/') app_.pop_back();
  object_encoding_ = c.command_object.get_number("objectEncoding").value_or(0);
  connected_ = true;
  sent_window_ = options_.window_ack_size;
  send(protocol::make_window_ack_size(options_.window_ack_size));
  send(protocol::make_set_peer_bandwidth(options_.window_ack_size, kPeerBandwidthDynamic));
  send(protocol::make_set_chunk_size(options_.out_chunk_size));
  writer_.set_chunk_size(options_.out_chunk_size);
  send(protocol::make_connect_result(c.transaction_id, object_encoding_));
  delegate_.on_connect(app_, c.command_object.get_string("tcUrl").value_or(""));
}

void RtmpConnection::handle_stream_command(const protocol::Command& c, uint32_t msg_stream_id) {
  const auto first_string = [&c]() -> std::string {
    return !c.args.empty() && c.args[0].is_string() ? c.args[0].string : std::string();
  };
  if (c.name == "publish") {
    if (msg_stream_id == 0 || publishing_stream_ != 0) {
      reject_publish(msg_stream_id, "NetStream.Publish.BadName", "Bad stream for publish");
      return;
    }
    delegate_.on_publish(msg_stream_id, first_string());
  } else if (c.name == "play") {
    if (msg_stream_id == 0) {
      reject_play(msg_stream_id, "NetStream.Play.Failed", "Play on stream 0");
      return;
    }
    delegate_.on_play(msg_stream_id, first_string());
  } else if (c.name == "FCUnpublish") {
    if (publishing_stream_ != 0) delegate_.on_stream_end(publishing_stream_);
    if (c.transaction_id != 0)
      send(protocol::make_result(c.transaction_id, amf0::Value::Undefined()));
  } else if (c.name == "deleteStream") {
    if (!c.args.empty() && c.args[0].type == amf0::Type::kNumber)
      delegate_.on_stream_end(static_cast<uint32_t>(c.args[0].number));
  } else if (c.name == "closeStream") {
    delegate_.on_stream_end(msg_stream_id);
  } else if (c.name == "pause" || c.name == "receiveAudio" || c.name == "receiveVideo" ||
             c.name == "seek" || c.name == "getStreamLength" || c.name == "_checkbw" ||
             c.name == "ping") {
    // Live streams: nothing to do. Answered when the client waits for a reply.
    if (c.transaction_id != 0)
      send(protocol::make_result(c.transaction_id, amf0::Value::Undefined()));
  } else if (c.transaction_id != 0) {
    send(protocol::make_error(c.transaction_id, "NetConnection.Call.Failed",
                              "Method not found (" + c.name.substr(0, 64) + ")"));
  }
}

void RtmpConnection::accept_publish(uint32_t stream_id, const std::string& name) {
  publishing_stream_ = stream_id;
  send(protocol::make_user_control(protocol::UserControlEvent::kStreamBegin, stream_id));
  send(protocol::make_on_status(stream_id, "status", "NetStream.Publish.Start",
                                name + " is now published."));
}

void RtmpConnection::end_publish(bool notify) {
  if (publishing_stream_ != 0 && notify)
    send(protocol::make_on_status(publishing_stream_, "status", "NetStream.Unpublish.Success",
                                  "Stream is now unpublished."));
  publishing_stream_ = 0;
}

void RtmpConnection::reject_publish(uint32_t stream_id, const std::string& code,
                                    const std::string& description) {
  send(protocol::make_on_status(stream_id, "error", code, description));
}

void RtmpConnection::accept_play(uint32_t stream_id, const std::string& name) {
  send(protocol::make_user_control(protocol::UserControlEvent::kStreamBegin, stream_id));
  send(protocol::make_on_status(stream_id, "status", "NetStream.Play.Reset",
                                "Playing and resetting " + name + "."));
  send(protocol::make_on_status(stream_id, "status", "NetStream.Play.Start",
                                "Started playing " + name + "."));
  send(protocol::make_sample_access(stream_id));
}

void RtmpConnection::reject_play(uint32_t stream_id, const std::string& code,
                                 const std::string& description) {
  send(protocol::make_on_status(stream_id, "error", code, description));
}

void RtmpConnection::notify_unpublished(uint32_t stream_id, const std::string& name) {
  send(protocol::make_user_control(protocol::UserControlEvent::kStreamEof, stream_id));
  send(protocol::make_on_status(stream_id, "status", "NetStream.Play.UnpublishNotify",
                                name + " is now unpublished."));
}

void RtmpConnection::notify_published(uint32_t stream_id, const std::string& name) {
  send(protocol::make_user_control(protocol::UserControlEvent::kStreamBegin, stream_id));
  send(protocol::make_on_status(stream_id, "status", "NetStream.Play.PublishNotify",
                                name + " is now published."));
}

void RtmpConnection::maybe_acknowledge() {
  if (peer_window_ == 0) return;
  const uint64_t received = reader_.bytes_received();
  if (received - last_ack_bytes_ < peer_window_) return;
  last_ack_bytes_ = received;
  send(protocol::make_acknowledgement(static_cast<uint32_t>(received)));
}

}  // namespace rtmp::server
