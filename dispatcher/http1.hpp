#pragma once
// HTTP/1.x pieces for webhook requests on kept-alive connections, no I/O:
// an incremental response parser (status line, headers, a body framed by
// Content-Length, chunked encoding or the connection's end; interim 1xx
// responses skipped) and the parts of a POST request that depend on the URL.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtmp::dispatcher::http1 {

class ResponseParser {
 public:
  enum class State { more, done, error };

  // Takes bytes of the response; `consumed` is how many belong to it (fewer
  // than given only when it is done). After done or error, reset() first.
  State feed(std::string_view data, size_t& consumed);
  // The peer closed the connection: ends a body that runs to the close,
  // anything else unfinished is an error.
  State eof();
  void reset();

  bool started() const { return received_ > 0; }  // any byte seen
  int status() const { return status_; }
  // Whether the connection can carry another request after this response.
  bool keep_alive() const { return keep_alive_; }
  // Once the final response's headers are in: the connection stays usable
  // after its body (kept alive, body framed by length or chunks). For header
  // lines libcurl reports, to decide whether its connection can be taken over.
  bool headers_done() const { return phase_ != Phase::status && phase_ != Phase::headers; }
  bool reusable() const {
    return phase_ != Phase::status && phase_ != Phase::headers && error_.empty() && keep_alive_ &&
           !to_close_;
  }
  // The first `kBodyKeep` bytes of the body (for the log).
  const std::string& body() const { return body_; }
  const std::string& error() const { return error_; }

  static constexpr size_t kBodyKeep = 256;
  static constexpr size_t kMaxLine = 16 * 1024;     // a status, header or chunk-size line
  static constexpr size_t kMaxHeaders = 64 * 1024;  // all header lines of one response

 private:
  enum class Phase { status, headers, body, chunk_size, chunk_data, chunk_end, trailers, finished };
  State fail(std::string why);
  bool bad(std::string why);  // fail() for the line handlers
  bool on_line(std::string_view line);
  bool on_status(std::string_view line);
  bool on_header(std::string_view line);
  bool end_of_headers();
  void keep(std::string_view bytes);

  Phase phase_ = Phase::status;
  std::string line_;         // a line being assembled
  size_t header_bytes_ = 0;  // of this response
  uint64_t received_ = 0;    // bytes fed since reset
  int status_ = 0;
  int minor_ = 1;  // HTTP/1.<minor>
  bool keep_alive_ = true;
  bool close_ = false;     // Connection: close
  bool ka_token_ = false;  // Connection: keep-alive
  bool chunked_ = false;
  bool to_close_ = false;  // body runs until the connection ends
  std::optional<uint64_t> content_length_;
  uint64_t left_ = 0;  // body or chunk bytes still to come
  std::string body_;
  std::string error_;
};

// What a plain http:// URL contributes to a request: the request line and
// Host header ("POST /path?q HTTP/1.1\r\nHost: h:port\r\n"), and a key naming
// the origin its connections go to. nullopt when the URL needs more than the
// lean path gives (not http, user info, unparsable): libcurl handles those.
struct Target {
  std::string origin;  // "host:port"
  std::string head;    // request line + Host header
};
std::optional<Target> parse_target(const std::string& url);

}  // namespace rtmp::dispatcher::http1
