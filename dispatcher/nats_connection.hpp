#pragma once
// One NATS server list's connection and JetStream context (libnats), for the
// NATS hooks: made on first use, it reconnects forever in the background (to
// any server of the list or the cluster), so one made while the servers are
// down starts working when they come up. It knows the JetStream stream the
// hooks publish to: looked up on the first publish (created when absent, an
// existing one used as it is), and again after a publish no stream answered.
// Thread-safe: the NATS runner's workers share it.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

struct __natsConnection;
struct __jsCtx;
struct jsStreamInfo;

namespace rtmp::dispatcher {

struct NatsStream {
  std::string name;  // -nats-stream
  int replicas = 1;  // a created stream's
  // The subjects a created stream captures (every NATS hook's on these servers).
  std::function<std::vector<std::string>()> subjects;
};

class NatsConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // `servers`: the target's server list ("nats://a:4222,b:4222", credentials
  // percent-encoded in them); never logged with its credentials.
  explicit NatsConnection(std::string servers);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  // Publishes `body` to `subject` with the header Nats-Msg-Id = `msg_id`,
  // waiting for JetStream's acknowledgement no later than `until`; "" when
  // acknowledged, else why not (a connection that is down fails at once).
  std::string publish(const NatsStream& stream, const std::string& subject,
                      const std::string& msg_id, const std::string& body, Clock::time_point until);

 private:
  std::string not_connected() const;
  std::string ensure_stream(const NatsStream& stream, Clock::time_point until);
  std::string look_up_stream(const NatsStream& stream, Clock::time_point until);
  void check_subjects(const NatsStream& stream, const jsStreamInfo* info);

  const std::string servers_;
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
  // One stream lookup at a time; the others wait for it no longer than their
  // own attempt may (a condition variable, not std::timed_mutex, whose timed
  // lock ThreadSanitizer does not intercept).
  std::mutex stream_mutex_;
  std::condition_variable stream_changed_;
  bool stream_looking_ = false;  // guarded by stream_mutex_
  bool stream_ready_ = false;    // guarded by stream_mutex_
  // An existing stream is announced once, and each hook subject it does not
  // capture is an ERROR once, not one more line per retry.
  bool announced_ = false;              // guarded by stream_mutex_
  std::vector<std::string> uncovered_;  // guarded by stream_mutex_
};

}  // namespace rtmp::dispatcher
