#include "ingest/protocol/rtmp_client.hpp"

#include <utility>

namespace rtmp::protocol {
namespace {

using amf0::Value;

// Stream-level commands (publish, deleteStream) go on their own chunk
// stream, as ffmpeg and OBS send them; media uses 4, 6 and 7.
constexpr uint32_t kCsidStreamCommand = 8;
constexpr double kObjectEncodingAmf0 = 0;

std::string info_text(const Value* info) {
  if (info == nullptr || !info->is_object()) return "(no information)";
  std::string text = info->get_string("code").value_or("(no code)");
  if (auto d = info->get_string("description"); d && !d->empty()) text += " " + *d;
  return text.substr(0, 256);
}

const Value* first_arg(const Command& c) {
  return c.args.empty() ? nullptr : &c.args[0];
}

}  // namespace

RtmpClient::RtmpClient(ClientOptions options)
    : options_(std::move(options)), reader_(options_.limits) {}

void RtmpClient::start() {
  if (state_ != State::kIdle) return;
  const std::vector<uint8_t> c0c1 = handshake_.start();
  out_.insert(out_.end(), c0c1.begin(), c0c1.end());
  state_ = State::kHandshake;
}

std::string RtmpClient::fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
  return error_;
}

std::string RtmpClient::feed(std::span<const uint8_t> data) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kIdle) return fail("bytes before the handshake started");
  if (state_ == State::kHandshake) {
    auto r = handshake_.feed(data);
    if (!r.error.empty()) return fail("handshake: " + r.error);
    data = data.subspan(r.consumed);
    if (!handshake_.done()) return "";
    out_.insert(out_.end(), r.output.begin(), r.output.end());  // C2
    // Our chunk size first: media is chunked at it.
    writer_.write(make_set_chunk_size(options_.out_chunk_size), out_);
    writer_.set_chunk_size(options_.out_chunk_size);
    connect_tid_ = next_transaction_++;
    send_command(kCsidCommand, 0,
                 {Value::String("connect"), Value::Number(connect_tid_),
                  Value::Object({{"app", Value::String(options_.app)},
                                 {"type", Value::String("nonprivate")},
                                 {"flashVer", Value::String(options_.flash_ver)},
                                 {"tcUrl", Value::String(options_.tc_url)},
                                 {"objectEncoding", Value::Number(kObjectEncodingAmf0)}})});
    state_ = State::kConnecting;
    if (data.empty()) return "";
  }
  inbox_.clear();
  const std::string err = reader_.feed(data, inbox_);
  for (const auto& m : inbox_) {
    if (auto e = on_message(m); !e.empty()) return fail(std::move(e));
  }
  if (!err.empty()) return fail(err);
  if (auto seq = acknowledger_.due(reader_.bytes_received()))
    writer_.write(make_acknowledgement(*seq), out_);
  return "";
}

std::string RtmpClient::on_message(const Message& m) {
  switch (m.type()) {
    case MessageType::kCommandAmf0:
    case MessageType::kCommandAmf3:
      return on_command(m);
    case MessageType::kUserControl:
    case MessageType::kWindowAckSize:
    case MessageType::kSetPeerBandwidth:
      on_control(m);
      return "";
    default:
      // Set Chunk Size and Abort were applied by the reader; the rest (data
      // such as |RtmpSampleAccess, acknowledgements) needs nothing from us.
      return "";
  }
}

void RtmpClient::on_control(const Message& m) {
  switch (m.type()) {
    case MessageType::kUserControl:
      if (auto uc = parse_user_control(m);
          uc && uc->event == static_cast<uint16_t>(UserControlEvent::kPingRequest))
        writer_.write(make_ping_response(uc->value), out_);
      break;
    case MessageType::kWindowAckSize:
      if (auto size = parse_window_ack_size(m)) acknowledger_.set_window(*size);
      break;
    case MessageType::kSetPeerBandwidth:
      if (auto bw = parse_set_peer_bandwidth(m); bw && bw->size != 0 && bw->size != sent_window_) {
        sent_window_ = bw->size;
        writer_.write(make_window_ack_size(bw->size), out_);
      }
      break;
    default:
      break;
  }
}

std::string RtmpClient::on_command(const Message& m) {
  Command c;
  if (auto err = parse_command(m, c, options_.amf_limits); !err.empty())
    return "malformed command: " + err;
  if (c.name == "onStatus") return on_status(c);
  const bool result = c.name == "_result";
  if (!result && c.name != "_error") return "";  // onBWDone, onFCPublish, close, ...
  if (c.transaction_id == connect_tid_ && state_ == State::kConnecting) {
    if (!result) return "connect refused: " + info_text(first_arg(c));
    if (options_.fc_publish) {
      send_command(kCsidCommand, 0,
                   {Value::String("releaseStream"), Value::Number(next_transaction_++),
                    Value::Null(), Value::String(options_.stream_name)});
      send_command(kCsidCommand, 0,
                   {Value::String("FCPublish"), Value::Number(next_transaction_++), Value::Null(),
                    Value::String(options_.stream_name)});
    }
    create_tid_ = next_transaction_++;
    send_command(kCsidCommand, 0,
                 {Value::String("createStream"), Value::Number(create_tid_), Value::Null()});
    state_ = State::kCreatingStream;
    return "";
  }
  if (c.transaction_id == create_tid_ && state_ == State::kCreatingStream) {
    if (!result) return "createStream refused: " + info_text(first_arg(c));
    const Value* id = first_arg(c);
    const std::optional<uint32_t> sid = id ? id->as_uint32() : std::nullopt;
    if (!sid || *sid < 1 || *sid > 0xFFFFFF) return "createStream: no valid stream id in the reply";
    stream_id_ = *sid;
    send_command(kCsidStreamCommand, stream_id_,
                 {Value::String("publish"), Value::Number(next_transaction_++), Value::Null(),
                  Value::String(options_.stream_name), Value::String("live")});
    state_ = State::kPublishing;
    return "";
  }
  // Replies to releaseStream/FCPublish (servers answer them or not, _error
  // included) change nothing.
  return "";
}

std::string RtmpClient::on_status(const Command& c) {
  const Value* info = first_arg(c);
  if (info == nullptr || !info->is_object()) return "";
  const std::string level = info->get_string("level").value_or("");
  const std::string code = info->get_string("code").value_or("");
  if (level == "error") {
    const bool publishing = state_ == State::kPublishing || state_ == State::kPublished;
    return std::string(publishing ? "publish refused: " : "error from target: ") + info_text(info);
  }
  if (state_ == State::kPublishing && code == "NetStream.Publish.Start") state_ = State::kPublished;
  return "";
}

void RtmpClient::unpublish() {
  if (state_ != State::kPublished) return;
  send_command(kCsidCommand, 0,
               {Value::String("FCUnpublish"), Value::Number(next_transaction_++), Value::Null(),
                Value::String(options_.stream_name)});
  send_command(kCsidStreamCommand, 0,
               {Value::String("deleteStream"), Value::Number(next_transaction_++), Value::Null(),
                Value::Number(stream_id_)});
  state_ = State::kUnpublished;
}

void RtmpClient::send_command(uint32_t csid, uint32_t stream_id, std::vector<Value> values) {
  writer_.write(make_command(csid, stream_id, values), out_);
}

}  // namespace rtmp::protocol
