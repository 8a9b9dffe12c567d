#pragma once
// The SRT listener (-srt-listen): libsrt runs its own threads and epoll, so
// this one stays off Asio. In the handshake (libsrt's listen callback, before
// the connection exists) the stream id is read and the stream's passphrase
// set on the new socket; a caller with a stream id that is not a publish, or
// over -max-connections, is refused there with a log line, and so is one
// that is unencrypted or wrongly keyed (libsrt refuses it after the
// callback; its reject is logged from libsrt's log handler). One thread
// accepts; each accepted publisher runs on its own thread (SrtPublisher).
#include <srt/srt.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ingest/events/event.hpp"
#include "ingest/srt/srt_context.hpp"
#include "ingest/srt/srt_handshake_log.hpp"
#include "ingest/srt/srt_options.hpp"
#include "ingest/srt/srt_passphrases.hpp"

namespace rtmp::srt {

class SrtPublisher;

class SrtListener {
 public:
  // Loads -srt-passphrase-file; throws std::runtime_error (startup).
  SrtListener(const SrtOptions& options, SrtContext ctx);
  ~SrtListener();
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  // Binds and listens; throws std::runtime_error (startup).
  void listen();
  uint16_t port() const { return port_; }
  void start();

  // SIGHUP: re-reads -srt-passphrase-file.
  void reload() { passphrases_.reload(); }
  // Shutdown: stops accepting, ends every publisher with `shutdown` (each
  // emits its stop events) and joins the threads.
  void stop();
  // Any thread: ends the SRT connection `conn_id`; false when not ours.
  bool close_connection(const std::string& conn_id, events::StopReason reason,
                        const std::string& why);

 private:
  static int on_listen(void* self, SRTSOCKET ns, int hsversion, const sockaddr* peer,
                       const char* stream_id);
  int check_caller(SRTSOCKET ns, const sockaddr* peer, const char* stream_id);
  void accept_loop();
  void accept_one();
  void reap(bool all);
  std::string next_conn_id();
  void emit_auth_failed(const std::string& remote, const std::string& key, const std::string& why);

  const SrtOptions options_;
  SrtContext ctx_;
  Passphrases passphrases_;
  SrtHandshakeLog handshake_log_;
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  int epoll_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  uint64_t id_base_;
  std::atomic<uint64_t> next_id_{0};

  std::mutex mutex_;  // guards publishers_
  std::map<std::string, std::unique_ptr<SrtPublisher>> publishers_;
};

// "ip:port" / "[v6]:port" of a socket address (SRT peers).
std::string sockaddr_text(const sockaddr* addr);

}  // namespace rtmp::srt
