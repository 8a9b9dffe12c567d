#include "dispatcher/http1.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace rtmp::dispatcher::http1 {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` with each comma-separated token of a header value, trimmed.
template <typename F>
void each_token(std::string_view value, F f) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    f(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

void ResponseParser::reset() {
  *this = ResponseParser();
}

ResponseParser::State ResponseParser::fail(std::string why) {
  error_ = std::move(why);
  phase_ = Phase::finished;
  return State::error;
}

bool ResponseParser::bad(std::string why) {
  fail(std::move(why));
  return false;
}

void ResponseParser::keep(std::string_view bytes) {
  if (body_.size() < kBodyKeep) body_.append(bytes.substr(0, kBodyKeep - body_.size()));
}

ResponseParser::State ResponseParser::feed(std::string_view data, size_t& consumed) {
  consumed = 0;
  if (!error_.empty()) return State::error;
  while (consumed < data.size()) {
    std::string_view rest = data.substr(consumed);
    if (phase_ == Phase::finished) return State::done;
    if (phase_ == Phase::body || phase_ == Phase::chunk_data) {
      const size_t n =
          to_close_ ? rest.size() : static_cast<size_t>(std::min<uint64_t>(left_, rest.size()));
      keep(rest.substr(0, n));
      consumed += n;
      received_ += n;
      if (to_close_) continue;
      left_ -= n;
      if (left_ == 0) phase_ = phase_ == Phase::body ? Phase::finished : Phase::chunk_end;
      continue;
    }
    // A line-oriented phase: status, headers, chunk size, chunk end, trailers.
    const size_t nl = rest.find('\n');
    const size_t take = nl == std::string_view::npos ? rest.size() : nl + 1;
    if (line_.size() + take > kMaxLine) return fail("response line too long");
    line_.append(rest.substr(0, take));
    consumed += take;
    received_ += take;
    if (nl == std::string_view::npos) break;
    std::string_view line(line_);
    line.remove_suffix(1);  // '\n'
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool ok = on_line(line);
    line_.clear();
    if (!ok) return State::error;
  }
  return phase_ == Phase::finished ? State::done : State::more;
}

ResponseParser::State ResponseParser::eof() {
  if (phase_ == Phase::finished) return error_.empty() ? State::done : State::error;
  if (phase_ == Phase::body && to_close_) {
    phase_ = Phase::finished;
    keep_alive_ = false;
    return State::done;
  }
  return fail(received_ == 0 ? "connection closed before a response"
                             : "connection closed in the middle of the response");
}

bool ResponseParser::on_line(std::string_view line) {
  switch (phase_) {
    case Phase::status:
      return on_status(line);
    case Phase::headers:
      header_bytes_ += line.size() + 2;
      if (header_bytes_ > kMaxHeaders) return bad("response headers too large");
      if (line.empty()) return end_of_headers();
      if (line.front() == ' ' || line.front() == '\t') return true;  // obsolete folding
      return on_header(line);
    case Phase::chunk_size: {
      const std::string_view hex = trim(line.substr(0, line.find(';')));
      uint64_t size = 0;
      const auto r = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
      if (hex.empty() || r.ec != std::errc() || r.ptr != hex.data() + hex.size())
        return bad("bad chunk size");
      left_ = size;
      phase_ = size == 0 ? Phase::trailers : Phase::chunk_data;
      return true;
    }
    case Phase::chunk_end:
      if (!line.empty()) return bad("chunk not followed by CRLF");
      phase_ = Phase::chunk_size;
      return true;
    case Phase::trailers:
      if (line.empty()) phase_ = Phase::finished;
      return true;
    default:
      return bad("unexpected response data");
  }
}

bool ResponseParser::on_status(std::string_view line) {
  // "HTTP/1.1 204 No Content"; the reason phrase may be empty or missing.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
      (line.size() > 12 && line[12] != ' '))
    return bad("not an HTTP/1.x response");
  if (line[7] != '0' && line[7] != '1') return bad("not an HTTP/1.x response");
  int status = 0;
  const auto r = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (r.ec != std::errc() || r.ptr != line.data() + 12 || status < 100)
    return bad("bad status line");
  status_ = status;
  minor_ = line[7] - '0';
  phase_ = Phase::headers;
  header_bytes_ = line.size() + 2;
  close_ = ka_token_ = chunked_ = false;
  content_length_.reset();
  return true;
}

bool ResponseParser::on_header(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad("bad header line");
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    uint64_t n = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() ||
        (content_length_ && *content_length_ != n))
      return bad("bad Content-Length");
    content_length_ = n;
  } else if (iequals(name, "transfer-encoding")) {
    chunked_ = false;  // chunked counts only as the last coding
    each_token(value, [&](std::string_view t) { chunked_ = iequals(t, "chunked"); });
    if (!chunked_) to_close_ = true;  // another coding: the body ends with the connection
  } else if (iequals(name, "connection")) {
    each_token(value, [&](std::string_view t) {
      if (iequals(t, "close")) close_ = true;
      if (iequals(t, "keep-alive")) ka_token_ = true;
    });
  }
  return true;
}

bool ResponseParser::end_of_headers() {
  if (status_ < 200) {  // interim response: the real one follows
    if (status_ == 101) return bad("unexpected 101 Switching Protocols");
    phase_ = Phase::status;
    to_close_ = false;
    return true;
  }
  keep_alive_ = !close_ && (minor_ == 1 || ka_token_);
  if (status_ == 204 || status_ == 304) {
    to_close_ = false;
    phase_ = Phase::finished;
  } else if (chunked_) {
    to_close_ = false;
    phase_ = Phase::chunk_size;
  } else if (!to_close_ && content_length_) {
    left_ = *content_length_;
    phase_ = left_ == 0 ? Phase::finished : Phase::body;
  } else {
    to_close_ = true;  // no framing: the body runs to the connection's end
    keep_alive_ = false;
    phase_ = Phase::body;
  }
  return true;
}

std::optional<Target> parse_target(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto part = [&](CURLUPart what, unsigned flags = 0) -> std::optional<std::string> {
    char* out = nullptr;
    if (curl_url_get(u.get(), what, &out, flags) != CURLUE_OK || !out) return std::nullopt;
    std::string s(out);
    curl_free(out);
    return s;
  };
  const auto scheme = part(CURLUPART_SCHEME);
  if (!scheme || *scheme != "http") return std::nullopt;
  if (part(CURLUPART_USER) || part(CURLUPART_PASSWORD) || part(CURLUPART_ZONEID))
    return std::nullopt;  // credentials or a zone id: leave it to libcurl
  const auto host = part(CURLUPART_HOST);
  const auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const auto path = part(CURLUPART_PATH);
  const auto query = part(CURLUPART_QUERY);
  if (!host || host->empty() || !port) return std::nullopt;
  Target t;
  t.origin = *host + ":" + *port;
  t.head = "POST " + (path && !path->empty() ? *path : std::string("/")) +
           (query ? "?" + *query : std::string()) + " HTTP/1.1\r\nHost: " + *host +
           (*port == "80" ? std::string() : ":" + *port) + "\r\n";
  return t;
}

}  // namespace rtmp::dispatcher::http1
