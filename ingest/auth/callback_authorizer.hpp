#pragma once
// Callback mode: POSTs {action, app, stream_name, stream_key, token,
// remote_addr} as JSON to a URL, the way nginx-rtmp's on_publish/on_play and
// MediaMTX's authHTTPAddress do. 2xx allows (a JSON body's "stream_key"
// renames the stream, callback_reply.hpp); any other status, a transport
// error or the timeout refuses. The request runs on an HttpClient loop thread,
// so authorize() returns at once and `done` runs on that thread.
#include <memory>
#include <string>

#include "common/duration.hpp"
#include "common/http_client.hpp"
#include "ingest/auth/authorizer.hpp"

namespace rtmp::auth {

// The JSON body POSTed for `request` (one line, keys in the order above).
std::string callback_body(const Request& request);

class CallbackAuthorizer final : public Authorizer {
 public:
  CallbackAuthorizer(std::string url, common::Duration timeout);
  ~CallbackAuthorizer() override;  // pending checks complete refused ("shut down")
  void authorize(const Request& request, std::function<void(Decision)> done) override;

 private:
  const std::string url_;
  const common::Duration timeout_;
  common::HttpClient client_;
};

}  // namespace rtmp::auth
