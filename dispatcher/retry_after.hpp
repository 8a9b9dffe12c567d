#pragma once
// A webhook answer's Retry-After header (RFC 9110 10.2.3) as a wait: either
// delay-seconds (1*DIGIT) or an HTTP-date. Anything else is junk and asks for
// no particular wait (the usual backoff applies). A number too large to hold
// is kept as "very long" (`cap`), so it still ends past any -hook-timeout
// rather than overflowing into nothing.
#include <chrono>
#include <ctime>
#include <string_view>

namespace rtmp::dispatcher {

// The wait `value` asks for, at most `cap`; 0 for junk or a date not in the
// future. `now` is the wall clock the date is measured from.
std::chrono::seconds parse_retry_after(std::string_view value, std::time_t now,
                                       std::chrono::seconds cap);

}  // namespace rtmp::dispatcher
