#include "dispatcher/webhook_request.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr size_t kResponseKeep = 256;  // bytes of a response body kept for logs
constexpr std::string_view kUserAgentHeader = "User-Agent: ";

// Whether libcurl would find a proxy setting in the environment. It reads these
// variables on every transfer; when none is set, telling it "no proxy" up front
// behaves the same and saves five environment scans per request.
bool proxy_env_set() {
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                           "no_proxy", "NO_PROXY"})
    if (std::getenv(name)) return true;
  return false;
}

size_t keep_response(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < kResponseKeep) out->append(data, std::min(len, kResponseKeep - out->size()));
  return len;
}

}  // namespace

WebhookRequestBuilder::WebhookRequestBuilder(const WebhookOptions& options)
    : options_(options),
      user_agent_(std::string(kUserAgentHeader) + "rtmp-hooks/" + RTMP_HOOKS_VERSION),
      no_proxy_(!proxy_env_set()) {
  if (!options.secret.empty()) key_ = webhook_key(options.secret);
  content_type_node_.data = content_type_;
  content_type_node_.next = &user_agent_node_;
  user_agent_node_.data = const_cast<char*>(user_agent_.c_str());
  user_agent_node_.next = &expect_node_;
  expect_node_.data = expect_;
}

WebhookRequestBuilder::~WebhookRequestBuilder() {
  for (auto& [url, parsed] : urls_) curl_url_cleanup(parsed);
}

CURL* WebhookRequestBuilder::make_easy(WebhookRequest& r) {
  CURL* e = curl_easy_init();
  if (!e) return nullptr;
  r.id_node.next = key_.empty() ? &content_type_node_ : &r.ts_node;
  r.ts_node.next = &r.sig_node;
  r.sig_node.next = &content_type_node_;
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, &r.id_node);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_response);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.response);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
  if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (no_proxy_) {
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
  } else {
    // A proxy's CONNECT request gets the user agent from this option only
    // (the header list goes to the server); the server still sees ours.
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent_.c_str() + kUserAgentHeader.size());
  }
  return e;
}

void WebhookRequestBuilder::prepare(WebhookRequest& r, std::chrono::milliseconds left) {
  set_headers(r);
  r.response.clear();
  r.error[0] = '\0';
  CURL* e = r.easy;
  if (r.url != r.job.hook->target) {
    r.url = r.job.hook->target;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_CURLU, parsed_url(r.url));
  }
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.job.payload->data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.job.payload->size()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
}

// The hook URL parsed once per loop: given as CURLOPT_CURLU, libcurl copies
// it per transfer instead of parsing and re-assembling the URL string. Null
// when curl_url_set rejects it: CURLOPT_URL alone then fails the transfer
// with libcurl's own error, as before.
CURLU* WebhookRequestBuilder::parsed_url(const std::string& url) {
  for (const auto& [text, parsed] : urls_)
    if (text == url) return parsed;
  CURLU* parsed = curl_url();
  if (parsed && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    curl_url_cleanup(parsed);
    parsed = nullptr;
  }
  urls_.emplace_back(url, parsed);
  return parsed;
}

// Per attempt: webhook-id, and with a secret a fresh timestamp and signature.
void WebhookRequestBuilder::set_headers(WebhookRequest& r) const {
  const std::string& id = r.job.event->id();
  r.id_header.assign("webhook-id: ").append(id);
  r.id_node.data = r.id_header.data();
  if (key_.empty()) return;
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, ts).ptr;
  r.ts_header.assign("webhook-timestamp: ").append(digits, end);
  r.sig_header.assign("webhook-signature: ")
      .append(webhook_signature(key_, id, ts, *r.job.payload));
  r.ts_node.data = r.ts_header.data();
  r.sig_node.data = r.sig_header.data();
}

}  // namespace rtmp::dispatcher
