// Session: checking and authorizing a publish or play before the role starts.
#include <boost/asio/dispatch.hpp>
#include <utility>

#include "common/logging.hpp"
#include "ingest/server/session.hpp"

namespace rtmp::server {

bool Session::check_stream_name(const std::string& name, std::string& error) const {
  if (name.empty()) {
    error = "empty stream name";
    return false;
  }
  if (name.size() > ctx_.options.max_stream_name) {
    error = "stream name longer than " + std::to_string(ctx_.options.max_stream_name) + " bytes";
    return false;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      error = "control character in stream name";
      return false;
    }
  }
  return true;
}

auth::Request Session::auth_request(const std::string& action, const std::string& raw_name) const {
  const auth::StreamName sn = auth::split_stream_name(raw_name);
  auth::Request r;
  r.action = action;
  r.app = rtmp_.app();
  r.stream_name = sn.name;
  r.stream_key = rtmp_.app().empty() ? sn.name : rtmp_.app() + "/" + sn.name;
  r.token = sn.token;
  r.remote_addr = remote_addr_;
  return r;
}

void Session::refuse(const std::string& action, uint32_t stream_id, const std::string& error) {
  ctx_.counters.auth_failures.fetch_add(1);
  common::log::warn({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "{} refused: {}", action, error);
  emit(events::AuthFailed{action, error, remote_addr_});
  if (action == "publish") {
    rtmp_.reject_publish(stream_id, "NetStream.Publish.Unauthorized", "Authentication failed");
  } else {
    rtmp_.reject_play(stream_id, "NetStream.Play.Unauthorized", "Authentication failed");
  }
  close_after_flush(events::StopReason::kAuth, action + " refused by auth");
}

void Session::request_role(const std::string& action, uint32_t stream_id,
                           const std::string& raw_name) {
  const bool publish = action == "publish";
  const auto reject = [&](const char* publish_code, const char* play_code, const std::string& why) {
    if (publish) {
      rtmp_.reject_publish(stream_id, publish_code, why);
    } else {
      rtmp_.reject_play(stream_id, play_code, why);
    }
  };
  auth::Request req = auth_request(action, raw_name);
  std::string error;
  if (!check_stream_name(req.stream_name, error)) {
    common::log::warn({.conn_id = conn_id_, .remote_addr = remote_addr_}, "{} refused: {}", action,
                      error);
    return reject("NetStream.Publish.BadName", "NetStream.Play.StreamNotFound", error);
  }
  // One publish or play per connection, even after it ended: a client that
  // wants another stream opens another connection (as encoders and players do).
  if (role_ != Role::kNone || auth_pending_) {
    common::log::warn({.conn_id = conn_id_, .remote_addr = remote_addr_},
                      "{} {} refused: this connection already {}", action, req.stream_key,
                      auth_pending_ ? "waits for the auth check of another"
                                    : "had its publish or play (one per connection)");
    return reject("NetStream.Publish.BadName", "NetStream.Play.Failed",
                  "connection already in use: one publish or play per connection");
  }
  auth_pending_ = true;  // a second publish/play before the answer is refused
  std::string query = auth::split_stream_name(raw_name).query;
  ctx_.authorizer.authorize(
      req, [self = shared_from_this(), stream_id, req, query = std::move(query)](auth::Decision d) {
        net::dispatch(self->strand_, [self, stream_id, req, query, d] {
          self->auth_pending_ = false;
          if (self->closed_ || !self->closing_reason_.empty()) return;
          // Reading resumes once the answer is applied (a refusal closes).
          const bool resume = std::exchange(self->read_paused_, false);
          if (resume) self->last_read_ = Clock::now();
          self->answer_role(stream_id, req, query, d);
          if (resume && !self->closed_ && self->closing_reason_.empty()) self->do_read();
        });
      });
}

void Session::answer_role(uint32_t stream_id, const auth::Request& req, const std::string& query,
                          const auth::Decision& d) {
  // A renamed role runs under the callback's key from here on; the
  // requested one (the private key) goes into nothing after this.
  const bool renamed = d.allowed && !d.stream_key.empty();
  stream_key_ = renamed ? d.stream_key : req.stream_key;
  if (!d.allowed) return refuse(req.action, stream_id, d.error);
  if (renamed && d.stream_key.size() > ctx_.options.max_stream_name)
    return refuse(req.action, stream_id,
                  "callback stream_key longer than " +
                      std::to_string(ctx_.options.max_stream_name) + " bytes");
  if (req.action == "publish") {
    start_publish(stream_id, req.stream_name, stream_key_, query);
  } else {
    start_play(stream_id, req.stream_name, stream_key_, query);
  }
  flush();
}

void Session::on_refused(const std::string& command, const std::string& why) {
  common::log::warn({.conn_id = conn_id_, .stream_key = stream_key_, .remote_addr = remote_addr_},
                    "{} refused: {}", command, why);
}

}  // namespace rtmp::server
