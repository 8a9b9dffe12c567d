#pragma once
// One relay target of one published stream, on its own strand of the
// ingest's io_context: it connects (Transport + protocol::RtmpClient), and
// once the target accepted the publish sends metadata, sequence headers,
// then media from a keyframe, as a consumer of the stream like a player
// (registry::PlayerLink: a bounded queue of the fan-out's shared messages).
//
// Policy:
// - Slow target: its queue fills, the link drops until the next keyframe
//   (PlayerLink's skip), so the publisher and everyone else go on.
// - Stuck target: not accepting the publish, one write not completing, or
//   nothing acknowledged while bytes wait for it, within `timeout`: dropped
//   and reconnected. The socket holds little unsent (limit_unsent), so a
//   target that stops reading is found within about `timeout`.
// - Any failure (refused, reset, closed, publish refused, timeout): one
//   relay_error, then a reconnect after a capped exponential backoff with
//   jitter, for as long as the source publishes. While disconnected the
//   queue is drained and dropped; the configs, metadata and current GOP
//   are kept, so a (re)connect sends them first and media goes on from
//   that GOP's keyframe (or the next one when the GOP was too long to keep).
// - Writes: media is merged over the players' window (-merge-write), which
//   follows the target's rate; the GOP a (re)connect starts with goes at once.
// Events go through registry::ConsumerEvents: relay_start per accepted
// publish, its relay_stop when that connection ends, relay_error per
// failure; nothing after the role ended.
#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/protocol/rtmp_client.hpp"
#include "ingest/registry/consumer_events.hpp"
#include "ingest/registry/media_message.hpp"
#include "ingest/registry/merge_window.hpp"
#include "ingest/registry/player_link.hpp"
#include "ingest/registry/relay_status.hpp"
#include "ingest/registry/stream_configs.hpp"
#include "ingest/registry/subscriber.hpp"
#include "ingest/relay/backoff.hpp"
#include "ingest/relay/relay_options.hpp"
#include "ingest/relay/relay_target.hpp"
#include "ingest/relay/transport.hpp"

namespace rtmp::relay {

class RelaySession : public std::enable_shared_from_this<RelaySession> {
 public:
  // `options` outlives the session (the server's); `chunk_size` is the one
  // the fan-out chunks shared messages at.
  static std::shared_ptr<RelaySession> create(net::io_context::executor_type executor,
                                              RelayEndpoint endpoint, const RelayOptions& options,
                                              uint32_t chunk_size, std::string conn_id,
                                              std::string key);

  // The registry side of this relay (a non-player that starts later).
  std::shared_ptr<registry::Subscriber> subscriber() const;
  // Starts connecting; `events` is the role's (PlayerRole::events()).
  void start(std::shared_ptr<registry::ConsumerEvents> events);
  // From any thread: stops for good (the publish ended).
  void stop();

  const RelayEndpoint& endpoint() const { return endpoint_; }
  // Its state for the API (shared with the publisher's directory entry).
  std::shared_ptr<const registry::RelayStatus> status() const { return status_; }
  // Bytes written on the current connection (relay_stop's `bytes`).
  uint64_t connection_bytes() const { return conn_bytes_.load(std::memory_order_relaxed); }

 private:
  class Sub;
  RelaySession(net::io_context::executor_type executor, RelayEndpoint endpoint,
               const RelayOptions& options, uint32_t chunk_size, std::string conn_id,
               std::string key);
  enum class State { kWaiting, kConnecting, kLive, kStopped };

  void connect();
  void on_connected(uint64_t gen, const std::string& error);
  void do_read(uint64_t gen);
  void on_read(uint64_t gen, const boost::system::error_code& ec, size_t n);
  void on_live();
  // The connection failed: closes it, relay_stop if it was live, relay_error
  // and a reconnect after the backoff.
  void fail(const std::string& why, events::StopReason reason);
  void tick();
  bool ack_stalled(std::chrono::steady_clock::time_point now,
                   std::chrono::steady_clock::duration timeout);
  void count_acked_only();

  void on_attach(registry::BurstPtr burst);
  void on_wake();
  void drain();
  bool hold_for_window();
  void handle(const registry::MediaPtr& m);
  void keep_gop(const registry::MediaPtr& m);
  void take(const registry::MediaPtr& m);
  void flush();
  void finish();
  void close_transport();
  void on_write(uint64_t gen, const boost::system::error_code& ec, size_t n);

  Strand strand_;
  const RelayEndpoint endpoint_;
  const RelayOptions& options_;
  const uint32_t chunk_size_;
  const std::string conn_id_, key_;
  std::shared_ptr<Sub> subscriber_;
  std::shared_ptr<registry::ConsumerEvents> events_;
  net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                            Strand>
      retry_timer_, tick_timer_, merge_timer_;
  Backoff backoff_;

  State state_ = State::kWaiting;
  uint64_t gen_ = 0;  // one per connection attempt; stale handlers compare it
  std::shared_ptr<Transport> transport_;
  std::optional<protocol::RtmpClient> client_;
  std::chrono::steady_clock::time_point attempt_started_;
  std::chrono::steady_clock::time_point live_since_;  // when the target accepted the publish
  // The target's acknowledged bytes when last seen to move (or nothing waited).
  uint64_t acked_seen_ = 0;
  std::chrono::steady_clock::time_point acked_at_;
  std::array<uint8_t, 4096> read_buf_{};
  std::atomic<uint64_t> conn_bytes_{0};
  const std::shared_ptr<registry::RelayStatus> status_;

  // Media: the stream's description kept across reconnects.
  bool attached_ = false;
  bool has_video_ = false;
  bool need_keyframe_ = true;
  registry::MediaPtr metadata_;
  registry::StreamConfigs configs_;
  // The GOP since the last keyframe (shared messages, at most options.queue
  // of them), so a target that (re)connects starts at once, on a keyframe.
  std::vector<registry::MediaPtr> gop_;
  bool gop_open_ = false;
  // Writing: one write in flight, gathered from `pending_`.
  struct Item {
    registry::MediaPtr media;    // shared chunked bytes, or
    std::vector<uint8_t> bytes;  // control bytes / media rechunked for the target's stream
  };
  std::vector<Item> pending_, inflight_;
  static std::vector<net::const_buffer> buffers_of(const std::vector<Item>& items);
  size_t pending_bytes_ = 0;
  bool writing_ = false;
  bool finishing_ = false;  // stopped while live with a write in flight: finish() follows it
  std::chrono::steady_clock::time_point write_started_;
  // Media waits up to the merge window after the last media write began,
  // so a target gets a few writes a second rather than one per message.
  registry::MergeWindow merge_;
  std::chrono::steady_clock::time_point media_write_started_;  // zero: none yet on this connection
  bool merge_armed_ = false;
};

}  // namespace rtmp::relay
