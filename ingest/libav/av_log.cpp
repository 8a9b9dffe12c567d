#include "ingest/libav/av_log.hpp"

extern "C" {
#include <libavutil/log.h>
}

#include <array>
#include <cstdarg>
#include <mutex>
#include <string_view>

#include "common/logging.hpp"

namespace rtmp::libav {
namespace {

void forward_av_log(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_WARNING) return;
  std::array<char, 1024> line{};
  int prefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line.data(), static_cast<int>(line.size()), &prefix);
  std::string_view text(line.data());
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty()) spdlog::debug("libavformat: {}", text);
}

}  // namespace

void route_av_log() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(forward_av_log); });
}

}  // namespace rtmp::libav
