#include "ingest/protocol/rtmp_connection.hpp"

#include "ingest/protocol/aggregate.hpp"

namespace rtmp::protocol {
namespace {

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
  if (auto seq = acknowledger_.due(reader_.bytes_received())) send(make_acknowledgement(*seq));
  return "";
}

void RtmpConnection::send(const Message& message) {
  writer_.write(message, out_);
}

std::string RtmpConnection::on_message(Message&& m) {
  switch (m.type()) {
    case MessageType::kAudio:
    case MessageType::kVideo:
      if (publish_stream(m.header.stream_id)) {
        deliver(std::move(m));
      } else if (publishing_stream_ != 0 && !told_other_stream_) {
        // Said once: a client sending its media on another message stream
        // than its publish's would otherwise see a live publish carrying nothing.
        told_other_stream_ = true;
        delegate_.on_refused("media", "on message stream " + std::to_string(m.header.stream_id) +
                                          ", not the publish's (" +
                                          std::to_string(publishing_stream_) +
                                          "): ignored, as all such media will be");
      }
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
  switch (m.type()) {
    case MessageType::kUserControl:
      if (auto uc = parse_user_control(m);
          uc && uc->event == static_cast<uint16_t>(UserControlEvent::kPingRequest))
        send(make_ping_response(uc->value));
      break;
    case MessageType::kWindowAckSize:
      if (auto size = parse_window_ack_size(m)) acknowledger_.set_window(*size);
      break;
    case MessageType::kSetPeerBandwidth:
      // Honoured as the spec asks: announce our window again when it differs.
      if (auto bw = parse_set_peer_bandwidth(m); bw && bw->size != 0 && bw->size != sent_window_) {
        sent_window_ = bw->size;
        send(make_window_ack_size(bw->size));
      }
      break;
    default:
      break;
  }
}

void RtmpConnection::on_data(Message&& m) {
  if (!publish_stream(m.header.stream_id)) return;
  std::vector<amf0::Value> values;
  if (!amf0::decode_all(amf0_body(m), values, options_.amf_limits).empty() || values.empty())
    return;  // undecodable metadata is dropped, not fatal
  if (values[0].is_string() && values[0].string == "@setDataFrame") values.erase(values.begin());
  if (values.empty()) return;
  m.payload = amf0::encode_all(values);
  m.header.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  deliver(std::move(m));
}

void RtmpConnection::deliver(Message&& m) {
  if (m.header.stream_id == publishing_stream_) return delegate_.on_media(std::move(m));
  held_bytes_ += m.payload.size();
  held_.push_back(std::move(m));
}

std::string RtmpConnection::on_aggregate(const Message& m) {
  std::vector<Message> subs;
  const std::string err = split_aggregate(m, subs);
  for (auto& sub : subs) {
    if (auto e = on_message(std::move(sub)); !e.empty()) return e;
  }
  return err;
}

void RtmpConnection::accept_publish(uint32_t stream_id, const std::string& name) {
  publishing_stream_ = stream_id;
  send(make_user_control(UserControlEvent::kStreamBegin, stream_id));
  send(make_on_status(stream_id, "status", "NetStream.Publish.Start", name + " is now published."));
  std::vector<Message> held;
  held.swap(held_);
  drop_held();
  for (auto& m : held)
    if (m.header.stream_id == publishing_stream_) delegate_.on_media(std::move(m));
}

void RtmpConnection::drop_held() {
  pending_publish_ = 0;
  held_.clear();
  held_bytes_ = 0;
}

void RtmpConnection::end_publish(bool notify) {
  if (publishing_stream_ != 0 && notify)
    send(make_on_status(publishing_stream_, "status", "NetStream.Unpublish.Success",
                        "Stream is now unpublished."));
  publishing_stream_ = 0;
}

void RtmpConnection::reject_publish(uint32_t stream_id, const std::string& code,
                                    const std::string& description) {
  if (stream_id == pending_publish_) drop_held();
  send(make_on_status(stream_id, "error", code, description));
}

void RtmpConnection::accept_play(uint32_t stream_id, const std::string& name) {
  send(make_user_control(UserControlEvent::kStreamBegin, stream_id));
  send(make_on_status(stream_id, "status", "NetStream.Play.Reset",
                      "Playing and resetting " + name + "."));
  send(
      make_on_status(stream_id, "status", "NetStream.Play.Start", "Started playing " + name + "."));
  send(make_sample_access(stream_id));
}

void RtmpConnection::reject_play(uint32_t stream_id, const std::string& code,
                                 const std::string& description) {
  send(make_on_status(stream_id, "error", code, description));
}

void RtmpConnection::notify_unpublished(uint32_t stream_id, const std::string& name) {
  send(make_user_control(UserControlEvent::kStreamEof, stream_id));
  send(make_on_status(stream_id, "status", "NetStream.Play.UnpublishNotify",
                      name + " is now unpublished."));
}

void RtmpConnection::notify_published(uint32_t stream_id, const std::string& name) {
  send(make_user_control(UserControlEvent::kStreamBegin, stream_id));
  send(make_on_status(stream_id, "status", "NetStream.Play.PublishNotify",
                      name + " is now published."));
}

void RtmpConnection::notify_paused(uint32_t stream_id, bool paused, const std::string& name) {
  if (paused) {
    send(make_user_control(UserControlEvent::kStreamEof, stream_id));
    send(make_on_status(stream_id, "status", "NetStream.Pause.Notify", name + " is paused."));
  } else {
    send(make_user_control(UserControlEvent::kStreamBegin, stream_id));
    send(make_on_status(stream_id, "status", "NetStream.Unpause.Notify", name + " is unpaused."));
  }
}

}  // namespace rtmp::protocol
