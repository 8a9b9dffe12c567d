#include "dispatcher/webhook_runner.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/algorithm/string/predicate.hpp>
#include <memory>
#include <string_view>

#include "dispatcher/counters.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {
namespace {

// A URL libcurl could never send to is a startup error, not a hook that
// fails on every event. The reasons name no part of the URL (it may hold
// credentials).
std::string check_webhook_url(const std::string& url) {
  // Schemes are case-insensitive (libcurl takes "HTTP://" too).
  const bool http = boost::algorithm::istarts_with(url, "http://");
  if (!http && !boost::algorithm::istarts_with(url, "https://"))
    return "webhook URL must start with http:// or https://";
  // libcurl reads "http:///x" as the host "x".
  const std::string_view rest = std::string_view(url).substr(http ? 7 : 8);
  if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#')
    return "webhook URL has no host";
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) return {};
  if (const CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
      rc != CURLUE_OK)
    return std::string("webhook URL: ") + curl_url_strerror(rc);
  char* port = nullptr;
  const bool zero_port = curl_url_get(parsed.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK &&
                         port != nullptr && std::string_view(port) == "0";
  curl_free(port);
  if (zero_port) return "webhook URL: port 0";
  return {};
}

}  // namespace

HookKindDef webhook_hook_kind() {
  return {
      "webhook",
      "url",
      "event_type=url to POST the event to; * as event type means every event",
      check_webhook_url,
      [](const std::string& url) { return redact_url(url); },
      [](const Options& o, KindCounters& counters) -> std::unique_ptr<Runner> {
        WebhookOptions w;
        w.timeout = o.hook_timeout;
        w.max_connections = o.hook_concurrency;
        // One idle loop when there are no webhooks: cheap.
        const bool any = !hook_pairs(o, hook_kind("webhook")).empty();
        w.loops = any ? webhook_loop_count(o) : 1;
        if (any) spdlog::info("webhooks delivered by {} event loop(s)", w.loops);
        w.secret = o.webhook_secret;
        w.ca_file = o.webhook_ca_file;
        w.retries = o.webhook_retries;
        w.retry_base = o.retry_base;
        w.retry_max = o.retry_max;
        return std::make_unique<WebhookRunner>(w, counters);
      },
  };
}

WebhookRunner::WebhookRunner(const WebhookOptions& options, KindCounters& counters) {
  const int n = std::max(options.loops, 1);
  loops_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) loops_.push_back(std::make_unique<WebhookLoop>(options, counters, i));
}

WebhookRunner::~WebhookRunner() = default;

WebhookLoop& WebhookRunner::pick() {
  for (auto& loop : loops_)
    if (loop->on_loop_thread()) return *loop;
  const size_t n = loops_.size();
  const size_t first = n > 1 ? next_.fetch_add(1, std::memory_order_relaxed) % n : 0;
  WebhookLoop* best = loops_[first].get();
  int best_load = best->load();
  for (size_t i = 1; i < n && best_load > 0; ++i) {
    WebhookLoop* l = loops_[(first + i) % n].get();
    const int load = l->load();
    if (load < best_load) best = l, best_load = load;
  }
  return *best;
}

void WebhookRunner::start(Job job, JobDone done) {
  pick().submit(std::move(job), std::move(done));
}

void WebhookRunner::stop() {
  for (auto& loop : loops_) loop->shutdown();
}

}  // namespace rtmp::dispatcher
