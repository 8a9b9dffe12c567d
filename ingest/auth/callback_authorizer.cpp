#include "ingest/auth/callback_authorizer.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <utility>

#include "ingest/auth/callback_reply.hpp"

namespace rtmp::auth {
namespace {

Decision decide(const common::HttpClient::Response& response, const std::string& key) {
  if (response.timed_out) return {false, "callback timed out"};
  if (!response.error.empty()) return {false, "callback failed: " + response.error};
  return decide_callback_reply(response.status, response.body, key);
}

}  // namespace

std::string callback_body(const Request& request) {
  boost::json::object body;
  body["action"] = request.action;
  body["app"] = request.app;
  body["stream_name"] = request.stream_name;
  body["stream_key"] = request.stream_key;
  body["token"] = request.token;
  body["remote_addr"] = request.remote_addr;
  return boost::json::serialize(body);
}

CallbackAuthorizer::CallbackAuthorizer(std::string url, common::Duration timeout)
    : url_(std::move(url)), timeout_(timeout) {}

CallbackAuthorizer::~CallbackAuthorizer() = default;

void CallbackAuthorizer::authorize(const Request& request, std::function<void(Decision)> done) {
  common::HttpClient::Request post;
  post.url = url_;
  post.headers = {"Content-Type: application/json"};
  post.body = callback_body(request);
  post.timeout = timeout_;
  // Only `done` and copies travel with the request, never `this`: the client
  // completes every pending request before the authorizer is gone.
  client_.post(std::move(post), [done = std::move(done), action = request.action,
                                 key = request.stream_key](common::HttpClient::Response response) {
    Decision decision = decide(response, key);
    if (!decision.allowed)
      spdlog::debug("auth callback refused {} {}: {}", action, key, decision.error);
    done(std::move(decision));
  });
}

}  // namespace rtmp::auth
