#pragma once
// The publishing client side of one RTMP connection as a state machine over
// bytes (a relay pushing a stream to another server): handshake (C0/C1/C2),
// Set Chunk Size, connect, releaseStream + FCPublish (optional),
// createStream, publish, and the _result/_error/onStatus replies. No I/O:
// start() and feed() leave the bytes to send in output().
//
// Published once the target answered NetStream.Publish.Start; from then on
// the caller writes media (chunked for stream_id() and out_chunk_size()) and
// keeps feeding what the target sends (acknowledgements, pings). A refused
// connect, a failed createStream and a refused publish (an onStatus of level
// "error") are errors: feed() returns why, and the connection is done.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ingest/protocol/amf0.hpp"
#include "ingest/protocol/chunk_reader.hpp"
#include "ingest/protocol/chunk_writer.hpp"
#include "ingest/protocol/command.hpp"
#include "ingest/protocol/control.hpp"
#include "ingest/protocol/handshake.hpp"

namespace rtmp::protocol {

struct ClientOptions {
  std::string app;          // connect's app ("live")
  std::string tc_url;       // connect's tcUrl ("rtmp://host:1935/live")
  std::string stream_name;  // publish's name, its query string included
  uint32_t out_chunk_size = 4096;
  bool fc_publish = true;  // send releaseStream and FCPublish (as ffmpeg does)
  std::string flash_ver = "FMLE/3.0 (compatible; rtmp-ingest relay)";
  ChunkReaderLimits limits;
  amf0::DecodeLimits amf_limits;
};

class RtmpClient {
 public:
  enum class State {
    kIdle,
    kHandshake,
    kConnecting,
    kCreatingStream,
    kPublishing,
    kPublished,
    kUnpublished,  // unpublish() sent; replies are still read
    kFailed,
  };

  explicit RtmpClient(ClientOptions options);

  // Queues C0+C1. Call once, first.
  void start();
  // Processes received bytes. "" or why the connection failed (malformed
  // input, connect or publish refused); after an error it stays failed.
  std::string feed(std::span<const uint8_t> data);
  // Bytes to send; the caller moves them out and clears.
  std::vector<uint8_t>& output() { return out_; }
  // Queues FCUnpublish and deleteStream (a clean end of the publish).
  void unpublish();

  State state() const { return state_; }
  bool published() const { return state_ == State::kPublished; }
  // The message stream the target gave (valid once published).
  uint32_t stream_id() const { return stream_id_; }
  uint32_t out_chunk_size() const { return options_.out_chunk_size; }
  uint64_t bytes_received() const { return reader_.bytes_received(); }

 private:
  std::string fail(std::string why);
  std::string on_message(const Message& m);
  void on_control(const Message& m);
  std::string on_command(const Message& m);
  std::string on_status(const Command& c);
  void send_command(uint32_t csid, uint32_t stream_id, std::vector<amf0::Value> values);

  ClientOptions options_;
  State state_ = State::kIdle;
  std::string error_;
  ClientHandshake handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;
  Acknowledger acknowledger_;
  std::vector<uint8_t> out_;
  std::vector<Message> inbox_;
  double next_transaction_ = 1;
  double connect_tid_ = 0, create_tid_ = 0;
  uint32_t stream_id_ = 0;
  uint32_t sent_window_ = 0;
};

}  // namespace rtmp::protocol
