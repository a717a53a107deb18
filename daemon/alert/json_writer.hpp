// Minimal JSON output helpers for alert bodies: exact, deterministic bytes.
// Strings are escaped per RFC 8259 ('"', '\\', control characters as \n, \t,
// ... or \u00XX); bytes that are not valid UTF-8 become U+FFFD, so the output
// is always valid JSON in UTF-8 whatever the input. Pure, header of alert/.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace fw::alert {

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

// "2024-05-14T10:00:00.123Z": ISO-8601, UTC, millisecond precision.
std::string format_timestamp(std::chrono::system_clock::time_point t);

}  // namespace fw::alert
