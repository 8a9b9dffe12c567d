#pragma once
// One RTMP connection: its socket, strand, timers and roles. Reads feed the
// RtmpConnection state machine; one write in flight gathers control bytes and
// shared media buffers (writev); a publisher fans media out through the
// registry; a player drains its PlayerLink. On the RTMPS listener the same
// session runs over TLS: the handshake first, then the same reads and
// writes through the TLS stream (session_tls.cpp).
//
// A session holds at most one role, a registry::PublisherRole (in
// PublishState) or a registry::PlayerRole; the role emits its own stop when
// it ends. close() is the teardown path (read or write error, EOF, timeouts,
// a kick, auth, shutdown): it ends the role with its reason, then emits
// connection_close. A session destroyed without close() (its io_context
// went away) ends its role first in its destructor, then connection_close.
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/protocol/rtmp_connection.hpp"
#include "ingest/registry/merge_window.hpp"
#include "ingest/registry/player_role.hpp"
#include "ingest/server/handler_slot.hpp"
#include "ingest/server/out_queue.hpp"
#include "ingest/server/publish_state.hpp"
#include "ingest/server/session_context.hpp"

namespace rtmp::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Concrete executor types: no type-erased (any_io_executor) hop on the media
// path, and the socket itself sits on the io_context, not on a second strand.
using IoExecutor = net::io_context::executor_type;
using Strand = net::strand<IoExecutor>;
using Socket = net::basic_stream_socket<tcp, IoExecutor>;
using StrandTimer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Strand>;
// RTMPS: TLS over the session's own socket, which stays the one to close.
using TlsStream = net::ssl::stream<Socket&>;

class SessionSubscriber;

class Session : public std::enable_shared_from_this<Session>, private protocol::RtmpDelegate {
 public:
  // `remote_addr` is the peer as accepted ("ip:port"). With `tls`, the
  // connection came to the RTMPS listener: TLS with that context runs first.
  Session(Socket socket, SessionContext& ctx, std::string conn_id, std::string remote_addr,
          std::shared_ptr<net::ssl::context> tls = nullptr);
  ~Session() override;

  void start();
  // From any thread: closes the connection because the server shuts down
  // (emitting its stop events, reason `shutdown`).
  void shutdown(const std::string& why);
  const std::string& conn_id() const { return conn_id_; }
  // From any thread: closes the connection with `reason` (the API's kick and
  // close), emitting its stop events.
  void close_from_outside(events::StopReason reason, const std::string& why);

 private:
  friend class SessionSubscriber;
  enum class Role { kNone, kPublisher, kSubscriber };

  // I/O (session.cpp)
  void do_read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void flush();
  void take_control();
  void close_after_flush(events::StopReason reason, const std::string& why);
  void on_write(const boost::system::error_code& ec, size_t n);
  void arm_timer();
  void on_tick(const boost::system::error_code& ec);
  // Ends the role with `reason`, then the connection; `why` is logged.
  void close(events::StopReason reason, const std::string& why);
  void emit(events::EventData data);
  // connection_close, behind the events the publish's recording still emits.
  void emit_close(events::StopReason reason);
  const char* role_name() const;  // connection_close's role
  static int64_t unix_now_ms();
  static bool peer_unreachable(const boost::system::error_code& ec);

  // TLS (session_tls.cpp): the first byte is looked at before the handshake,
  // so a plain RTMP client is told apart from garbage.
  void tls_peek();
  void on_tls_peek(const boost::system::error_code& ec, size_t n);
  void on_tls_handshake(const boost::system::error_code& ec);

  // RtmpDelegate
  void on_handshake_complete() override;
  void on_connect(const std::string& app, const std::string& tc_url) override;
  void on_publish(uint32_t stream_id, const std::string& name) override;
  void on_play(uint32_t stream_id, const std::string& name) override;
  void on_stream_end(uint32_t stream_id) override;
  void on_refused(const std::string& command, const std::string& why) override;
  void enable_keepalive();
  void bound_unacknowledged(bool on);
  void on_pause(uint32_t stream_id, bool pause) override;
  // Whether `m` goes to this player: all do, but while paused or resuming.
  bool admits(const registry::MediaPtr& m) {
    return (!paused_ && !resume_at_keyframe_) || admit_after_pause(m);
  }
  bool admit_after_pause(const registry::MediaPtr& m);
  void on_media(protocol::Message&& message) override;

  // Roles (session_auth.cpp, session_publish.cpp, session_play.cpp)
  void start_publish(uint32_t stream_id, const std::string& name, const std::string& key,
                     const std::string& query);
  void end_publish(events::StopReason reason, bool notify);
  void start_play(uint32_t stream_id, const std::string& name, const std::string& key,
                  const std::string& query);
  void end_play(events::StopReason reason);
  // registry::Subscriber, through SessionSubscriber (a publisher's strand).
  void on_attach(registry::BurstPtr burst);
  void on_publisher_gone();
  registry::PlayerLink* player_link() const;  // null when not playing
  void request_role(const std::string& action, uint32_t stream_id, const std::string& raw_name);
  // The authorizer's answer: the role starts, or the request is refused.
  void answer_role(uint32_t stream_id, const auth::Request& req, const std::string& query,
                   const auth::Decision& d);
  bool check_stream_name(const std::string& name, std::string& error) const;
  auth::Request auth_request(const std::string& action, const std::string& raw_name) const;
  void refuse(const std::string& action, uint32_t stream_id, const std::string& error);
  void add_media(registry::MediaPtr m);
  void on_wake();  // the player's link got media while idle, or a burst's head went out
  void flush_at(Clock::time_point due);  // one merge timer at a time
  // After a write ending at `now`: wait for the merge window instead of flushing.
  bool hold_for_window(Clock::time_point now);

  // One block each for the recurring operations (handler_slot.hpp); sizes
  // fit Asio 1.81's operations, larger ones fall back to operator new. A
  // plain write is one writev at a time over a view of the session's iovecs
  // (write_some), so its operation holds 16 bytes of them rather than Asio's
  // copy of up to 64 (1 KiB, in every player's session). A TLS write is
  // Asio's composed write through the TLS stream, with a block of its own
  // made at the session's first TLS write.
  static constexpr size_t kWriteSlot = 224;
  static constexpr size_t kTlsWriteSlot = 1536;
  using WakeSlot = HandlerSlot<128>;
  using TimerSlot = HandlerSlot<256>;
  using WriteSlot = HandlerSlot<kWriteSlot>;
  using TlsWriteSlot = HandlerSlot<kTlsWriteSlot>;
  using WakeAllocator = SlotAllocator<void, 128>;
  using TimerAllocator = SlotAllocator<void, 256>;
  using WriteAllocator = SlotAllocator<void, kWriteSlot>;
  using TlsWriteAllocator = SlotAllocator<void, kTlsWriteSlot>;
  WakeSlot wake_slot_;
  TimerSlot timer_slot_;
  WriteSlot write_slot_;
  std::unique_ptr<TlsWriteSlot> tls_write_slot_;  // RTMPS only

  SessionContext& ctx_;
  Socket socket_;
  // RTMPS only (null for plain RTMP): its context as of the accept, and the
  // TLS stream over socket_.
  std::shared_ptr<net::ssl::context> tls_ctx_;
  std::unique_ptr<TlsStream> tls_;
  uint8_t first_byte_ = 0;
  bool tls_handshake_done_ = false;
  Strand strand_;
  StrandTimer timer_;
  StrandTimer merge_timer_;  // -merge-write window of a woken player
  bool merge_armed_ = false;
  registry::MergeWindow merge_;  // the window's length, following this player's rate
  const std::string conn_id_;
  std::string remote_addr_;
  // Bytes read and written, for the API's per-connection figures.
  std::shared_ptr<registry::ConnCounters> io_ = std::make_shared<registry::ConnCounters>();
  protocol::RtmpConnection rtmp_;

  // Reading. The buffer starts small and grows once, when a publisher's read
  // fills it: its media then arrives up to kReadMax bytes per read, while a
  // player (handshake, a few commands, acknowledgements) never holds more
  // than kReadMin. Not zeroed: only what a read returns is used.
  static constexpr size_t kReadMin = 1024;
  static constexpr size_t kReadMax = 16 * 1024;
  std::unique_ptr<uint8_t[]> read_buf_ = std::make_unique_for_overwrite<uint8_t[]>(kReadMin);
  size_t read_cap_ = kReadMin;
  Clock::time_point accepted_at_, last_read_;

  // Writing: one write in flight, gathered from `out_` (control bytes and
  // media in the order they were produced) and then the player's link.
  struct OutItem {
    registry::MediaPtr media;    // shared chunked bytes, or
    std::vector<uint8_t> bytes;  // control bytes / a rechunked copy of media, or
    registry::BurstPtr burst;    // the publisher's shared burst, sent from `next` on
    size_t next = 0;
  };
  bool take_burst(OutItem& item);
  bool writing_ = false;
  bool head_in_flight_ = false;  // the write ends with a burst's keyframe
  Clock::time_point write_started_;
  OutQueue<OutItem> out_;
  // The write in flight: its iovecs, in order, and what keeps their bytes
  // alive (shared messages; control bytes and rechunked copies). 32 bytes an
  // item rather than a whole OutItem (64) beside its iovec.
  std::vector<net::const_buffer> iov_;
  size_t iov_next_ = 0;  // plain writes: the first iovec not wholly written
  size_t written_ = 0;   // plain writes: bytes of the write in flight written so far
  void write_some();
  void on_write_some(const boost::system::error_code& ec, size_t n);
  std::vector<registry::MediaPtr> inflight_media_;
  std::vector<std::vector<uint8_t>> inflight_bytes_;
  void add_bytes(std::vector<uint8_t> bytes);
  void clear_inflight();
  std::string closing_reason_;  // set: close once everything queued is written
  events::StopReason closing_stop_ = events::StopReason::kError;

  bool closed_ = false;
  bool connection_open_ = false;  // connection_accept emitted
  std::string stream_key_;        // of the publish/play, for events
  Role role_ = Role::kNone;
  bool auth_pending_ = false;  // a publish/play waits for the authorizer
  bool read_paused_ = false;   // until that answer: the publish's hold is full

  // Publisher: the role and its stream's state.
  std::optional<PublishState> publish_;
  // The publish's recording completes after the publish ends; null when not recorded.
  std::shared_ptr<record::RecordingTail> recording_tail_;
  // Player: the role (holding the SessionSubscriber, which holds the link).
  registry::PlayerRole player_;
  registry::Directory::Listing player_listing_;
  uint32_t play_stream_id_ = 0;
  std::string play_name_;
  bool play_waiting_ = false;  // subscribed, no publisher right now
  // The publisher's burst (metadata, sequence headers, GOP) is queued in out_:
  // only then may the link be drained, or live messages would overtake it.
  bool media_attached_ = false;
  unsigned user_timeout_ms_ = 0;  // TCP_USER_TIMEOUT while no media flows
  // A paused player's media is dropped as it comes, keeping the newest
  // metadata and sequence headers; once resumed they go first, and its
  // video starts again at a keyframe.
  bool paused_ = false;
  bool resume_at_keyframe_ = false;
  registry::MediaPtr paused_metadata_, paused_video_config_, paused_audio_config_;
};

}  // namespace rtmp::server
