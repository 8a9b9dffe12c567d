#include "common/duration.hpp"

#include <cmath>
#include <cstdlib>

namespace rtmp::common {
namespace {

// Unit suffixes in longest-match order, with their length in milliseconds.
struct Unit {
  std::string_view suffix;
  double ms;
};
constexpr Unit kUnits[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1.0},
                           {"s", 1e3},   {"m", 60e3},  {"h", 3600e3}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == 0) return std::nullopt;
    const std::string number(text.substr(0, i));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    text.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(0, u.suffix.size()) == u.suffix &&
          (!unit || u.suffix.size() > unit->suffix.size()))
        unit = &u;
    }
    if (!unit) return std::nullopt;
    text.remove_prefix(unit->suffix.size());
    total += value * unit->ms;
  }
  if (!std::isfinite(total) || total > 1e15) return std::nullopt;
  // Below the millisecond the flags work in, a non-zero value stays non-zero
  // (1ms), so "100us" is not taken for 0 ("off" to some flags).
  if (total > 0 && total < 1) return Duration{1};
  return Duration{static_cast<int64_t>(std::llround(total))};
}

std::string format_duration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms % 1000 != 0 && ms < 1000) return std::to_string(ms) + "ms";
  const int64_t h = ms / 3600000;
  ms %= 3600000;
  const int64_t m = ms / 60000;
  ms %= 60000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (ms) {
    if (ms % 1000 == 0) {
      out += std::to_string(ms / 1000) + "s";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000.0);
      out += std::string(buf) + "s";
    }
  }
  return out;
}

}  // namespace rtmp::common
