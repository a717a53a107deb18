// JSON and time helpers shared by the registry and its HTTP API: a small,
// exact writer (RFC 8259 escaping; invalid UTF-8 becomes U+FFFD, so the
// output is always valid JSON), ISO-8601 UTC times, the JSON form of a
// LiveEntry and of a follow-the-money path, and a syntax checker that finds
// the byte offset of the first error in malformed JSON. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "watchlist/overlay.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::registry {

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);

// "2024-05-14T10:00:00.123Z" (UTC, milliseconds).
std::string format_iso_ms(std::int64_t unix_ms);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" + "Z" or
// "+HH:MM"/"-HH:MM" (a time without a zone is refused: ambiguous).
// nullopt + `error` on anything else.
std::optional<std::int64_t> parse_iso_ms(std::string_view text, std::string& error);

// [{"from":..,"to":..,"chain_name":..,"tx_id":..,"asset":..,"amount":..,"at_ms":..},...]
std::string path_to_json(const std::vector<watchlist::PathStep>& path);
// Inverse of path_to_json; false + `error` on anything else.
bool path_from_json(std::string_view json, std::vector<watchlist::PathStep>& out, std::string& error);

// The entry as a JSON object (docs/watchlist-api.md, "Entry object").
// `expired` is computed against now_ms.
std::string entry_to_json(const watchlist::LiveEntry& e, std::int64_t now_ms);
// The fields an audit row's detail records (everything but address, chain,
// incident, which have columns of their own).
std::string entry_detail_json(const watchlist::LiveEntry& e);

// One file-layer listing for GET /entries/{address}: {"kind":"file"|"remote",
// "list","file","line","label","incident","source","severity","added_at","notes"}.
std::string provenance_to_json(const watchlist::Provenance& p, std::string_view kind);

// Offset (0-based byte) of the first JSON syntax error in `text` and a short
// reason, or nullopt when `text` is one syntactically valid JSON value
// (surrounded by optional whitespace). Depth is capped at `max_depth`.
struct SyntaxError {
  std::size_t offset = 0;
  std::string reason;
};
std::optional<SyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth = 64);

}  // namespace fw::registry
