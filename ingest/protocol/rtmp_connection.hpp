#pragma once
// The server side of one RTMP connection as a state machine over bytes:
// handshake, chunk stream, protocol control, user control and the
// NetConnection/NetStream commands. No I/O: feed() takes received bytes,
// output() holds the bytes to send, and decisions that need the rest of the
// server (publish, play, media) go to a delegate, which answers later through
// accept_*/reject_* (auth may take a while).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/protocol/amf0.hpp"
#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/control.hpp"
#include "ingest/protocol/handshake.hpp"

namespace rtmp::protocol {

struct ConnectionOptions {
  uint32_t out_chunk_size = 4096;
  uint32_t window_ack_size = 2500000;
  ChunkReaderLimits limits;
  amf0::DecodeLimits amf_limits;
  // Media and data a publisher sends after `publish` and before the answer
  // (an auth callback may take seconds; relays such as nginx-rtmp's push
  // send the sequence headers at once) are held, up to about this many bytes,
  // and delivered when the publish is accepted. Past it, hold_full() asks
  // the caller to stop reading until the answer, so nothing is lost.
  size_t publish_hold_bytes = 4 * 1024 * 1024;
};

class RtmpDelegate {
 public:
  virtual ~RtmpDelegate() = default;
  virtual void on_handshake_complete() = 0;
  // connect accepted: one with a command object naming the app always is
  // (auth is per publish/play); one without is refused with _error and
  // feed() reports it.
  virtual void on_connect(const std::string& app, const std::string& tc_url) = 0;
  // publish/play asked on message stream `stream_id`; answer with accept_* or
  // reject_* (now or later). `name` is the raw stream name (query included).
  virtual void on_publish(uint32_t stream_id, const std::string& name) = 0;
  virtual void on_play(uint32_t stream_id, const std::string& name) = 0;
  // The client ended its publish or play on that stream (FCUnpublish,
  // deleteStream, closeStream).
  virtual void on_stream_end(uint32_t stream_id) = 0;
  // Audio, video or data message on a publishing stream. @setDataFrame is
  // already stripped (the payload starts with "onMetaData").
  virtual void on_media(Message&& message) = 0;
  // The player of message stream `stream_id` paused (true) or resumed
  // (false) its live play; answer with notify_paused().
  virtual void on_pause(uint32_t stream_id, bool pause) {
    (void)stream_id;
    (void)pause;
  }
  // A publish or play the protocol itself refused (on message stream 0, or
  // a second publish on one connection): the client got its onStatus error.
  virtual void on_refused(const std::string& command, const std::string& why) {
    (void)command;
    (void)why;
  }
};

class RtmpConnection {
 public:
  RtmpConnection(ConnectionOptions options, RtmpDelegate& delegate);

  // Processes received bytes. Returns "" or the reason the peer's input is
  // malformed; the connection must then be closed, after sending what
  // output() holds (a refused connect's _error, for one).
  std::string feed(std::span<const uint8_t> data);

  // Bytes to send; the caller moves them out and clears.
  std::vector<uint8_t>& output() { return out_; }

  void accept_publish(uint32_t stream_id, const std::string& name);
  void reject_publish(uint32_t stream_id, const std::string& code, const std::string& description);
  // The publish ended; with `notify`, answers NetStream.Unpublish.Success.
  void end_publish(bool notify);
  void accept_play(uint32_t stream_id, const std::string& name);
  void reject_play(uint32_t stream_id, const std::string& code, const std::string& description);
  // To a player: the publisher left / came back.
  void notify_unpublished(uint32_t stream_id, const std::string& name);
  void notify_published(uint32_t stream_id, const std::string& name);
  // NetStream.Pause.Notify (after a StreamEOF) or NetStream.Unpause.Notify
  // (after a StreamBegin), as nginx-rtmp answers a live pause.
  void notify_paused(uint32_t stream_id, bool paused, const std::string& name);
  // Writes a complete message with this connection's chunk writer.
  void send(const Message& message);

  bool handshake_done() const { return handshake_.done(); }
  // A connect was accepted: the client may use streams now.
  bool connected() const { return connected_; }
  const std::string& app() const { return app_; }
  uint32_t out_chunk_size() const { return options_.out_chunk_size; }
  // The message stream that publishes, 0 when none.
  uint32_t publishing_stream() const { return publishing_stream_; }
  // The held messages of an unanswered publish reached
  // publish_hold_bytes: stop reading until accept_publish/reject_publish.
  bool hold_full() const { return held_bytes_ >= options_.publish_hold_bytes; }
  uint64_t bytes_received() const { return reader_.bytes_received(); }

 private:
  // One command's handler (rtmp_commands.cpp): "" or why the connection must
  // close. `msg_stream_id` is the message stream the command arrived on.
  using CommandHandler = std::string (RtmpConnection::*)(const Command& c, uint32_t msg_stream_id);
  static CommandHandler find_command(std::string_view name);

  std::string on_message(Message&& m);
  void on_control(const Message& m);
  std::string on_command(Message&& m);
  void on_data(Message&& m);
  // Media or data of the publishing stream to the delegate, or held while
  // the publish awaits its answer.
  void deliver(Message&& m);
  void drop_held();
  bool publish_stream(uint32_t stream_id) const {
    return stream_id != 0 && (stream_id == publishing_stream_ || stream_id == pending_publish_);
  }
  std::string on_aggregate(const Message& m);

  std::string do_connect(const Command& c, uint32_t msg_stream_id);
  std::string do_create_stream(const Command& c, uint32_t msg_stream_id);
  std::string do_publish(const Command& c, uint32_t msg_stream_id);
  std::string do_play(const Command& c, uint32_t msg_stream_id);
  std::string do_fc_unpublish(const Command& c, uint32_t msg_stream_id);
  std::string do_delete_stream(const Command& c, uint32_t msg_stream_id);
  std::string do_close_stream(const Command& c, uint32_t msg_stream_id);
  std::string do_get_stream_length(const Command& c, uint32_t msg_stream_id);
  std::string do_pause(const Command& c, uint32_t msg_stream_id);
  std::string do_nothing(const Command& c, uint32_t msg_stream_id);

  ConnectionOptions options_;
  RtmpDelegate& delegate_;
  ServerHandshake handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;
  std::vector<uint8_t> out_;
  std::vector<Message> inbox_;
  Acknowledger acknowledger_;

  bool connected_ = false;
  std::string app_;
  uint32_t next_stream_id_ = 1;
  uint32_t publishing_stream_ = 0;
  std::string publish_name_;  // as the client's publish named it
  // A publish asked and not yet answered: its messages wait in held_.
  uint32_t pending_publish_ = 0;
  std::vector<Message> held_;
  size_t held_bytes_ = 0;
  bool told_other_stream_ = false;  // media on another stream was reported
  uint32_t sent_window_ = 0;        // the window we announced
};

}  // namespace rtmp::protocol
