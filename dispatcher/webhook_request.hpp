#pragma once
// One webhook execution across its attempts, as a webhook loop holds it, and
// what each attempt sends: the webhook-* headers (libcurl's header list nodes
// built in place) and, for a kept connection, the whole HTTP/1.1 request.
// Used by webhook_loop only, on its thread.
#include <curl/curl.h>

#include <chrono>
#include <string>
#include <vector>

#include "dispatcher/http1.hpp"
#include "dispatcher/job.hpp"

namespace rtmp::dispatcher {

struct WebhookRequest {
  using Clock = std::chrono::steady_clock;

  void* loop = nullptr;  // the loop (for libcurl's close callback)
  Job job;
  JobDone done;
  Clock::time_point deadline;
  Clock::time_point next_at;
  int attempt = 0;
  CURL* easy = nullptr;  // options set once, reused with the request
  std::string url;       // the URL set on `easy` now
  // The header list: these nodes, then the loop's constant tail (attach_headers).
  curl_slist id_node{};
  curl_slist ts_node{};
  curl_slist sig_node{};
  std::string id_header;
  std::string ts_header;
  std::string sig_header;
  std::string response;  // the first bytes of a response body (libcurl path)
  char error[CURL_ERROR_SIZE] = {};
  // Plain http:// without a proxy: requests go over kept connections.
  std::string target_url;                 // the URL `target` was looked up for
  const http1::Target* target = nullptr;  // null: libcurl only
  std::string wire;                       // a request on a kept connection
  // A libcurl transfer whose connection is taken over if it ends kept alive.
  bool adopt = false;
  bool forbid_reuse = false;   // as set on `easy`
  std::vector<int> closed;     // sockets libcurl let go of during the transfer
  http1::ResponseParser head;  // its response's header lines

  // Chains the header nodes to `tail` (the headers every request has), with
  // or without the signature headers.
  void attach_headers(curl_slist* tail, bool signed_headers);
  // Per attempt: webhook-id, and with `key` a fresh timestamp and signature.
  void set_headers(const std::string& key);
  // The request libcurl would send, for a kept connection: `fixed` holds the
  // User-Agent, Accept and Content-Type lines.
  void build_wire(const std::string& fixed, bool signed_headers);
};

// libcurl's header callback: feeds an adopting transfer's header lines to `head`.
size_t webhook_header_line(char* data, size_t size, size_t n, void* request);
// libcurl's write callback: keeps the first bytes of the body in `response`.
size_t webhook_keep_response(char* data, size_t size, size_t n, void* request);

}  // namespace rtmp::dispatcher
