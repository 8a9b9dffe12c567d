#pragma once
// Go-syntax durations ("500ms", "30s", "1m30s", "2h") as used by every flag.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rtmp::common {

using Duration = std::chrono::milliseconds;

// The longest duration a flag takes (about 114 years). Deadlines are
// steady_clock::now() + d in nanoseconds: Go's own limit, 2562047h, would
// overflow once the machine has been up about 47 minutes, and a timeout that
// wraps fires at once.
constexpr Duration kMaxFlagDuration = std::chrono::hours(1'000'000);

// Parses a Go duration; nullopt when malformed or negative. A bare "0" is zero.
std::optional<Duration> parse_duration(std::string_view text);

// Formats as Go prints it, for -help defaults: "30s", "500ms", "1m30s".
std::string format_duration(Duration d);

}  // namespace rtmp::common
