// HTTP dates and Retry-After (RFC 9110), shared by every HTTP client of the
// daemon: webhook delivery, the chain sources' REST calls, remote lists.
// Pure; no Asio.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace fw::net {

// HTTP-date -> time point: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// plus the obsolete RFC 850 and asctime forms recipients must accept;
// nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value);

// Retry-After: delay-seconds ("120", capped at ten years instead of
// overflowing) or an HTTP-date, as a delay from `now` (a date in the past
// gives 0 ms). Surrounding spaces and tabs are ignored; nullopt for anything
// else (negative, garbage, out of range).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace fw::net
