#include "common/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

namespace rtmp::common {
namespace {

constexpr const char* kShutDown = "http client shut down";

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One request in flight: owns its easy handle, header list and response body.
struct Transfer {
  HttpClient::Request request;
  HttpClient::Done done;
  std::size_t max_body = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  char error[CURL_ERROR_SIZE] = {};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t len = size * count;
  const size_t room = transfer->max_body - std::min(transfer->max_body, transfer->body.size());
  transfer->body.append(data, std::min(len, room));
  return len;  // keep reading past the cap, just drop the excess
}

void complete(Transfer& transfer, HttpClient::Response response) {
  try {
    transfer.done(std::move(response));
  } catch (const std::exception& e) {
    spdlog::error("http client: completion handler threw: {}", e.what());
  }
}

HttpClient::Response failed(std::string error) {
  HttpClient::Response response;
  response.error = std::move(error);
  return response;
}

}  // namespace

struct HttpClient::Impl {
  Options options;
  CURLM* multi = nullptr;
  std::mutex mutex;                              // guards queued and stopping
  std::deque<std::unique_ptr<Transfer>> queued;  // posted, not yet handed to curl
  bool stopping = false;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;  // loop thread only
  std::thread thread;

  explicit Impl(Options opts) : options(opts) {
    global_init();
    multi = curl_multi_init();
    if (multi == nullptr) throw std::runtime_error("http client: curl_multi_init failed");
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options.max_connections);
    thread = std::thread([this] { run(); });
  }

  ~Impl() {
    stop();
    curl_multi_cleanup(multi);
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (!stopping) {
        stopping = true;
        curl_multi_wakeup(multi);
      }
    }
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
  }

  // The event loop: hand queued transfers to curl, drive them, report the
  // finished ones, then sleep until a socket is ready, a timer is due or
  // post()/stop() wakes us.
  void run() {
    for (;;) {
      std::deque<std::unique_ptr<Transfer>> batch;
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        batch.swap(queued);
      }
      for (auto& transfer : batch) start(std::move(transfer));
      int running = 0;
      curl_multi_perform(multi, &running);
      finish_done();
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    fail_all();
  }

  void start(std::unique_ptr<Transfer> transfer) {
    CURL* easy = curl_easy_init();
    if (easy == nullptr) return complete(*transfer, failed("curl_easy_init failed"));
    transfer->easy = easy;
    for (const auto& header : transfer->request.headers)
      transfer->headers = curl_slist_append(transfer->headers, header.c_str());
    transfer->headers = curl_slist_append(transfer->headers, "Expect:");
    const auto& request = transfer->request;
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (curl_multi_add_handle(multi, easy) != CURLM_OK)
      return complete(*transfer, failed("curl_multi_add_handle failed"));
    active.emplace(easy, std::move(transfer));
  }

  // Reports every transfer curl has finished.
  void finish_done() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;  // msg dies with remove_handle
      curl_multi_remove_handle(multi, easy);
      auto node = active.extract(easy);
      if (node.empty()) continue;
      Transfer& transfer = *node.mapped();
      Response response;
      if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
        response.body = std::move(transfer.body);
      } else {
        response.error = transfer.error[0] != '\0' ? transfer.error : curl_easy_strerror(code);
        response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      }
      complete(transfer, std::move(response));
    }
  }

  // Shutdown: everything still pending completes with an error.
  void fail_all() {
    for (auto& [easy, transfer] : active) {
      curl_multi_remove_handle(multi, easy);
      complete(*transfer, failed(kShutDown));
    }
    active.clear();
    std::deque<std::unique_ptr<Transfer>> rest;
    {
      std::lock_guard lock(mutex);
      rest.swap(queued);
    }
    for (auto& transfer : rest) complete(*transfer, failed(kShutDown));
  }
};

HttpClient::HttpClient() : HttpClient(Options{}) {}

HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(options)) {}

HttpClient::~HttpClient() = default;

void HttpClient::post(Request request, Done done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  transfer->max_body = impl_->options.max_response_body;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping) {
      impl_->queued.push_back(std::move(transfer));
      curl_multi_wakeup(impl_->multi);
      return;
    }
  }
  complete(*transfer, failed(kShutDown));
}

void HttpClient::shutdown() {
  impl_->stop();
}

}  // namespace rtmp::common
