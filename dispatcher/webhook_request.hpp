#pragma once
// One webhook request's libcurl side, apart from the loop that schedules it
// (webhook_loop.cpp: hand-off, retries, completion). An easy handle carries the
// options every request of a loop shares, set once; per attempt the headers
// (webhook-id and, with a secret, the Standard Webhooks timestamp and
// signature) are built in place as curl_slist nodes ahead of a constant tail,
// and the hook URL is parsed once per loop. Loop thread only.
#include <curl/curl.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/job.hpp"
#include "dispatcher/webhook_options.hpp"

namespace rtmp::dispatcher {

// One webhook execution across its attempts. Recycled, with its easy handle
// and header nodes, for the next job of the same loop.
struct WebhookRequest {
  Job job;
  JobDone done;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::time_point next_at;  // of the next attempt, while waiting to retry
  int attempt = 0;
  CURL* easy = nullptr;
  std::string url;  // the URL set on `easy` now
  // The header list, built in place: these nodes, then the builder's constant tail.
  curl_slist id_node{};
  curl_slist ts_node{};
  curl_slist sig_node{};
  std::string id_header;
  std::string ts_header;
  std::string sig_header;
  std::string response;  // the first bytes of the response body, for logs
  char error[CURL_ERROR_SIZE] = {};
};

class WebhookRequestBuilder {
 public:
  explicit WebhookRequestBuilder(const WebhookOptions& options);
  ~WebhookRequestBuilder();  // the parsed URLs
  // Requests' header lists end in this object's nodes.
  WebhookRequestBuilder(const WebhookRequestBuilder&) = delete;
  WebhookRequestBuilder& operator=(const WebhookRequestBuilder&) = delete;

  // An easy handle with the shared options, pointing at `r`'s header list,
  // response buffer and error buffer (CURLOPT_PRIVATE = &r); nullptr when
  // curl_easy_init fails.
  CURL* make_easy(WebhookRequest& r);
  // Per attempt: the headers, the URL (when it changed), the body and the
  // time `left` of the hook timeout.
  void prepare(WebhookRequest& r, std::chrono::milliseconds left);

 private:
  void set_headers(WebhookRequest& r) const;
  CURLU* parsed_url(const std::string& url);

  const WebhookOptions& options_;
  std::string key_;  // the signing key, empty without a secret
  // "User-Agent: ..." as a header of the list, not CURLOPT_USERAGENT: libcurl
  // then writes it once per request instead of formatting it twice.
  const std::string user_agent_;
  const bool no_proxy_;  // no proxy variable set: skip libcurl's lookup per request
  char content_type_[31] = "Content-Type: application/json";
  char expect_[8] = "Expect:";
  curl_slist content_type_node_{};
  curl_slist user_agent_node_{};
  curl_slist expect_node_{};
  std::vector<std::pair<std::string, CURLU*>> urls_;  // parsed_url(): one per hook URL
};

}  // namespace rtmp::dispatcher
