// RtmpConnection: the NetConnection / NetStream commands, found by name in
// one table.
#include <algorithm>
#include <optional>
#include <utility>

#include "ingest/protocol/rtmp_connection.hpp"

namespace rtmp::protocol {
namespace {

constexpr uint32_t kMaxStreamsPerConnection = 16;
constexpr uint8_t kPeerBandwidthDynamic = 2;

std::string first_string_arg(const Command& c) {
  return !c.args.empty() && c.args[0].is_string() ? c.args[0].string : std::string();
}

}  // namespace

RtmpConnection::CommandHandler RtmpConnection::find_command(std::string_view name) {
  static constexpr std::pair<std::string_view, CommandHandler> kCommands[] = {
      {"connect", &RtmpConnection::do_connect},
      {"createStream", &RtmpConnection::do_create_stream},
      {"publish", &RtmpConnection::do_publish},
      {"play", &RtmpConnection::do_play},
      {"FCUnpublish", &RtmpConnection::do_fc_unpublish},
      {"deleteStream", &RtmpConnection::do_delete_stream},
      {"closeStream", &RtmpConnection::do_close_stream},
      {"getStreamLength", &RtmpConnection::do_get_stream_length},
      // Nothing to do for a live stream; answered when the client waits for
      // a reply.
      {"releaseStream", &RtmpConnection::do_nothing},
      {"FCPublish", &RtmpConnection::do_nothing},
      {"FCSubscribe", &RtmpConnection::do_nothing},
      {"pause", &RtmpConnection::do_pause},
      {"receiveAudio", &RtmpConnection::do_nothing},
      {"receiveVideo", &RtmpConnection::do_nothing},
      {"seek", &RtmpConnection::do_nothing},
      {"_checkbw", &RtmpConnection::do_nothing},
      {"ping", &RtmpConnection::do_nothing},
  };
  for (const auto& [command, handler] : kCommands) {
    if (command == name) return handler;
  }
  return nullptr;
}

std::string RtmpConnection::on_command(Message&& m) {
  Command c;
  if (auto err = parse_command(m, c, options_.amf_limits); !err.empty())
    return "malformed command: " + err;
  if (c.name != "connect" && !connected_)
    return "command \"" + c.name.substr(0, 64) + "\" before connect";
  if (const CommandHandler handler = find_command(c.name))
    return (this->*handler)(c, m.header.stream_id);
  if (c.transaction_id != 0)
    send(make_error(c.transaction_id, "NetConnection.Call.Failed",
                    "Method not found (" + c.name.substr(0, 64) + ")"));
  return "";
}

std::string RtmpConnection::do_connect(const Command& c, uint32_t) {
  if (connected_) return "";  // a second connect is ignored
  // Without a command object naming the app there is nothing to serve: the
  // client is told and the connection ends, rather than a session with no app.
  const std::optional<std::string> app = c.command_object.get_string("app");
  if (!app) {
    send(make_error(c.transaction_id, "NetConnection.Connect.Rejected",
                    "connect needs a command object with an app"));
    return c.command_object.is_object() ? "connect without app"
                                        : "connect without a command object";
  }
  app_ = *app;
  if (auto q = app_.find('?'); q != std::string::npos) app_.resize(q);
  while (!app_.empty() && app_.back() == '/') app_.pop_back();
  const double object_encoding = c.command_object.get_number("objectEncoding").value_or(0);
  connected_ = true;
  sent_window_ = options_.window_ack_size;
  send(make_window_ack_size(options_.window_ack_size));
  send(make_set_peer_bandwidth(options_.window_ack_size, kPeerBandwidthDynamic));
  send(make_set_chunk_size(options_.out_chunk_size));
  writer_.set_chunk_size(options_.out_chunk_size);
  send(make_connect_result(c.transaction_id, object_encoding));
  delegate_.on_connect(app_, c.command_object.get_string("tcUrl").value_or(""));
  return "";
}

std::string RtmpConnection::do_create_stream(const Command& c, uint32_t) {
  if (next_stream_id_ > kMaxStreamsPerConnection) {
    send(make_error(c.transaction_id, "NetConnection.Call.Failed", "Too many streams"));
  } else {
    send(make_result(c.transaction_id, amf0::Value::Number(next_stream_id_++)));
  }
  return "";
}

std::string RtmpConnection::do_publish(const Command& c, uint32_t msg_stream_id) {
  if (msg_stream_id == 0 || publishing_stream_ != 0 || pending_publish_ != 0) {
    // Answered here, not by reject_publish: that would drop what a pending
    // publish on the same stream holds.
    send(make_on_status(msg_stream_id, "error", "NetStream.Publish.BadName",
                        "Bad stream for publish"));
    // The name without its query: a token there never reaches a log.
    const std::string name = first_string_arg(c);
    const std::string asked =
        " (asked to publish \"" + name.substr(0, std::min(name.find('?'), size_t{200})) + "\")";
    delegate_.on_refused(
        "publish", msg_stream_id == 0
                       ? "on message stream 0 (no createStream)"
                       : (pending_publish_ != 0 ? "this connection waits for the answer to its "
                                                  "publish"
                                                : "this connection is already publishing") +
                             asked);
  } else {
    publish_name_ = first_string_arg(c);
    pending_publish_ = msg_stream_id;
    delegate_.on_publish(msg_stream_id, publish_name_);
  }
  return "";
}

std::string RtmpConnection::do_play(const Command& c, uint32_t msg_stream_id) {
  if (msg_stream_id == 0) {
    reject_play(msg_stream_id, "NetStream.Play.Failed", "Play on stream 0");
    delegate_.on_refused("play", "on message stream 0 (no createStream)");
  } else {
    delegate_.on_play(msg_stream_id, first_string_arg(c));
  }
  return "";
}

// FCUnpublish names the stream it ends (as publish named it, query string or
// not): one naming another stream is answered and ignored, as nginx-rtmp
// ignores it, rather than ending the publish in progress. Without a name it
// ends the publish.
std::string RtmpConnection::do_fc_unpublish(const Command& c, uint32_t msg_stream_id) {
  const auto bare = [](std::string_view s) { return s.substr(0, s.find('?')); };
  const bool named = !c.args.empty() && c.args[0].is_string() && !c.args[0].string.empty();
  if (publishing_stream_ != 0 && (!named || bare(c.args[0].string) == bare(publish_name_)))
    delegate_.on_stream_end(publishing_stream_);
  return do_nothing(c, msg_stream_id);
}

std::string RtmpConnection::do_delete_stream(const Command& c, uint32_t) {
  // A stream id that is no whole number in range names no stream of ours.
  if (!c.args.empty())
    if (const auto id = c.args[0].as_uint32()) delegate_.on_stream_end(*id);
  return "";
}

std::string RtmpConnection::do_close_stream(const Command&, uint32_t msg_stream_id) {
  delegate_.on_stream_end(msg_stream_id);
  return "";
}

// A live stream has no length: 0, the number FMS answers and clients (ffmpeg,
// librtmp) read as "unknown duration". An undefined answer makes ffmpeg warn.
std::string RtmpConnection::do_get_stream_length(const Command& c, uint32_t) {
  if (c.transaction_id != 0) send(make_result(c.transaction_id, amf0::Value::Number(0)));
  return "";
}

// pause(null, flag, milliseconds): the flag says pause or resume; a live
// stream has no position to resume from.
std::string RtmpConnection::do_pause(const Command& c, uint32_t msg_stream_id) {
  if (!c.args.empty() && c.args[0].type == amf0::Type::kBoolean)
    delegate_.on_pause(msg_stream_id, c.args[0].boolean);
  return "";
}

std::string RtmpConnection::do_nothing(const Command& c, uint32_t) {
  if (c.transaction_id != 0) send(make_result(c.transaction_id, amf0::Value::Undefined()));
  return "";
}

}  // namespace rtmp::protocol
