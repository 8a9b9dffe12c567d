// The two line formats of logging.hpp (text and JSON lines) and the encoding
// that carries log::Fields through spdlog's queue to them.
//
// A line written through log::write starts with kSep and three separated field
// values (conn_id, stream_key, remote_addr), then the message. Values are
// sanitized so they can never contain kSep; a line without the prefix is a
// plain spdlog message.
#include <array>
#include <chrono>
#include <ctime>
#include <string_view>

#include "common/json_text.hpp"
#include "common/logfmt.hpp"
#include "common/logging.hpp"

namespace rtmp::common {
namespace {

constexpr char kSep = '\x1f';
constexpr std::array<std::string_view, 3> kFieldNames{"conn_id", "stream_key", "remote_addr"};

struct Decoded {
  std::array<std::string_view, 3> fields;
  std::string_view msg;
};

Decoded decode(std::string_view payload) {
  Decoded out;
  out.msg = payload;
  if (payload.empty() || payload.front() != kSep) return out;
  std::string_view rest = payload.substr(1);
  for (auto& field : out.fields) {
    auto end = rest.find(kSep);
    if (end == std::string_view::npos) return Decoded{{}, payload};
    field = rest.substr(0, end);
    rest.remove_prefix(end + 1);
  }
  out.msg = rest;
  return out;
}

void append(spdlog::memory_buf_t& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// Text mode: keeps one event on one line (no raw newlines from client data).
void append_text_escaped(spdlog::memory_buf_t& out, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      append(out, "\\n");
    } else if (c == '\r') {
      append(out, "\\r");
    } else if (c < 0x20 && c != '\t') {
      out.push_back('?');
    } else {
      out.push_back(ch);
    }
  }
}

// RFC 3339 UTC with milliseconds; the seconds part is cached per formatter.
class Timestamp {
 public:
  void append_to(spdlog::memory_buf_t& out, spdlog::log_clock::time_point tp) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms < 0 && ms % 1000 != 0) --secs;
    if (secs != cached_secs_) {
      std::tm tm{};
      gmtime_r(&secs, &tm);
      cached_len_ = std::strftime(cached_.data(), cached_.size(), "%Y-%m-%dT%H:%M:%S", &tm);
      cached_secs_ = secs;
    }
    append(out, std::string_view(cached_.data(), cached_len_));
    fmt::format_to(std::back_inserter(out), ".{:03}Z", static_cast<int>(ms - secs * 1000));
  }

 private:
  std::time_t cached_secs_ = -1;
  std::array<char, 32> cached_{};
  size_t cached_len_ = 0;
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    Decoded d = decode(std::string_view(msg.payload.data(), msg.payload.size()));
    append(dest, "{\"ts\":\"");
    ts_.append_to(dest, msg.time);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":\"");
    append_json_escaped(dest, d.msg);
    dest.push_back('"');
    for (size_t i = 0; i < d.fields.size(); ++i) {
      if (d.fields[i].empty()) continue;
      fmt::format_to(std::back_inserter(dest), ",\"{}\":\"", kFieldNames[i]);
      append_json_escaped(dest, d.fields[i]);
      dest.push_back('"');
    }
    append(dest, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  Timestamp ts_;
};

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    Decoded d = decode(std::string_view(msg.payload.data(), msg.payload.size()));
    ts_.append_to(dest, msg.time);
    fmt::format_to(std::back_inserter(dest), " {:<5} ", level_name(msg.level));
    for (size_t i = 0; i < d.fields.size(); ++i) {
      if (d.fields[i].empty()) continue;
      append(dest, kFieldNames[i]);
      dest.push_back('=');
      append_logfmt_value(dest, d.fields[i]);
      dest.push_back(' ');
    }
    append_text_escaped(dest, d.msg);
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  Timestamp ts_;
};

void append_sanitized(spdlog::memory_buf_t& out, std::string_view v) {
  for (char ch : v) out.push_back(static_cast<unsigned char>(ch) < 0x20 ? '?' : ch);
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

namespace log::detail {

void encode_fields(spdlog::memory_buf_t& out, const Fields& fields) {
  if (fields.conn_id.empty() && fields.stream_key.empty() && fields.remote_addr.empty()) return;
  out.push_back(kSep);
  for (std::string_view v : {fields.conn_id, fields.stream_key, fields.remote_addr}) {
    append_sanitized(out, v);
    out.push_back(kSep);
  }
}

}  // namespace log::detail
}  // namespace rtmp::common
