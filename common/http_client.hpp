#pragma once
// A small asynchronous HTTP client: libcurl's multi interface driven by one
// dedicated event-loop thread. post() never blocks on the network; the
// completion runs on the client's thread, so callers hand it back to their own
// executor. Connections are kept alive and reused between requests to the same
// host. Destroying the client completes every pending request with an error.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/duration.hpp"

namespace rtmp::common {

class HttpClient {
 public:
  struct Request {
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    Duration timeout = std::chrono::seconds(30);  // whole transfer; 0 = none
  };

  struct Response {
    long status = 0;         // HTTP status; 0 when no response arrived
    std::string error;       // transport error; empty when a response arrived
    bool timed_out = false;  // the request hit Request::timeout
    std::string body;        // at most Options::max_response_body bytes
  };

  using Done = std::function<void(Response)>;

  struct Options {
    std::size_t max_response_body = 64 * 1024;  // longer bodies are truncated
    long max_connections = 64;                  // idle connections kept for reuse
  };

  HttpClient();
  explicit HttpClient(Options options);
  ~HttpClient();  // joins the loop thread; pending requests get error "shut down"
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Thread-safe. POSTs request.body to request.url; `done` is called exactly
  // once, on the client's thread (inline with an error after shutdown()).
  void post(Request request, Done done);

  // Stops the loop: in-flight and queued requests complete with an error.
  // Idempotent; the destructor calls it.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp::common
