#include "dispatcher/webhook_request.hpp"

#include <algorithm>
#include <charconv>

#include "dispatcher/signature.hpp"

namespace rtmp::dispatcher {
namespace {

constexpr size_t kResponseKeep = 256;  // bytes of a response body kept for logs

}  // namespace

void WebhookRequest::attach_headers(curl_slist* tail, bool signed_headers) {
  id_node.next = signed_headers ? &ts_node : tail;
  ts_node.next = &sig_node;
  sig_node.next = tail;
}

void WebhookRequest::set_headers(const std::string& key) {
  const std::string& id = job.event->id();
  id_header.assign("webhook-id: ").append(id);
  id_node.data = id_header.data();
  if (key.empty()) return;
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, ts).ptr;
  ts_header.assign("webhook-timestamp: ").append(digits, end);
  sig_header.assign("webhook-signature: ").append(webhook_signature(key, id, ts, *job.payload));
  ts_node.data = ts_header.data();
  sig_node.data = sig_header.data();
}

void WebhookRequest::build_wire(const std::string& fixed, bool signed_headers) {
  const std::string& body = *job.payload;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
  wire.assign(target->head).append(fixed).append(id_header).append("\r\n");
  if (signed_headers) wire.append(ts_header).append("\r\n").append(sig_header).append("\r\n");
  wire.append("Content-Length: ").append(digits, end).append("\r\n\r\n").append(body);
}

size_t webhook_header_line(char* data, size_t size, size_t n, void* request) {
  auto* r = static_cast<WebhookRequest*>(request);
  size_t used = 0;
  // Up to the final response's headers (interim 1xx ones included), not trailers.
  if (r->adopt && !r->head.headers_done()) r->head.feed(std::string_view(data, size * n), used);
  return size * n;
}

size_t webhook_keep_response(char* data, size_t size, size_t n, void* request) {
  std::string& out = static_cast<WebhookRequest*>(request)->response;
  const size_t len = size * n;
  if (out.size() < kResponseKeep) out.append(data, std::min(len, kResponseKeep - out.size()));
  return len;
}

}  // namespace rtmp::dispatcher
