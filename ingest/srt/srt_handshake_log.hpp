#pragma once
// libsrt refuses an unencrypted or wrongly keyed caller itself, after the
// listen callback accepted its stream id, and tells the application nothing
// but its own log line ("@<socket>:newConnection: connection rejected due
// to: ... BADSECRET"). This routes libsrt's log into ours (at debug level,
// so its chatter stays out of the way) and turns those rejections into one
// warning naming the caller and stream, which the callback noted by socket
// id, and reports a refusal for a wrong or missing passphrase to the owner
// (an auth failure). Callers never heard of again (accepted, or refused some
// other way) are forgotten after a while. Thread-safe: libsrt logs from its
// own threads.
#include <srt/srt.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace rtmp::srt {

class SrtHandshakeLog {
 public:
  // Called on libsrt's thread, after the warning, for a caller refused for
  // its passphrase: (remote address, stream key, why).
  using AuthRefused = std::function<void(const std::string& remote, const std::string& key,
                                         const std::string& why)>;

  // Installs itself as libsrt's (process-wide) log handler.
  explicit SrtHandshakeLog(AuthRefused on_auth_refused = {});
  ~SrtHandshakeLog();
  SrtHandshakeLog(const SrtHandshakeLog&) = delete;
  SrtHandshakeLog& operator=(const SrtHandshakeLog&) = delete;

  // The listen callback let `socket` through for `key` from `remote`.
  void note(SRTSOCKET socket, std::string remote, std::string key);
  // `socket` was accepted, or the note is stale: drop it.
  void forget(SRTSOCKET socket);
  void expire(std::chrono::steady_clock::duration age);

  // libsrt's log line: logs a refusal and returns true when it is one of a
  // noted caller's handshake.
  bool on_log(int level, const char* message);

 private:
  static void handler(void* self, int level, const char* file, int line, const char* area,
                      const char* message);
  struct Caller {
    std::string remote, key;
    std::chrono::steady_clock::time_point since;
  };
  const AuthRefused on_auth_refused_;
  std::mutex mutex_;
  std::map<SRTSOCKET, Caller> callers_;
};

}  // namespace rtmp::srt
