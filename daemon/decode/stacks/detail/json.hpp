// simdjson DOM helpers shared by observer.cpp and hiro.cpp (private to
// decode/stacks; the only place besides those that includes simdjson.h).
// Getters never throw: they report ok / absent (missing or null) / wrong type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/amount.hpp"
#include "decode/stacks/error.hpp"

namespace fw::decode::stacks::detail {

namespace dom = simdjson::dom;

enum class Got : std::uint8_t { ok, absent, wrong };

Got get_string(dom::object o, std::string_view key, std::string_view& out) noexcept;
// A JSON integer >= 0 (numbers only; heights and times are numbers).
Got get_u64(dom::object o, std::string_view key, std::uint64_t& out) noexcept;
Got get_i64(dom::object o, std::string_view key, std::int64_t& out) noexcept;
Got get_bool(dom::object o, std::string_view key, bool& out) noexcept;
Got get_object(dom::object o, std::string_view key, dom::object& out) noexcept;
Got get_array(dom::object o, std::string_view key, dom::array& out) noexcept;

// "a string", "a number", ... for details.
const char* type_name(dom::element e) noexcept;
// The element as compact JSON, cut for a detail message.
std::string json_excerpt(dom::element e, std::size_t max = 60);

// Parses `body` and requires an object (or an array with want_array).
// simdjson 3.0's DOM rejects integers outside int64/uint64, and the node's
// serde dumps of Clarity values ({"UInt": 3402...}) carry u128 numbers we
// never read; such integers are rewritten to floats ("...455.0") in
// `scratch` before parsing. Elements stay valid until the next parse.
Problem parse_body(dom::parser& parser, std::string& scratch, std::string_view body, dom::element& out,
                   bool want_array = false);
// The rewrite itself: false (and `out` untouched) when nothing needed it.
bool widen_big_integers(std::string_view body, std::string& out);

// A field problem: "missing field <path>" / "<path>: expected a string, got a number (5)".
Problem missing(std::string_view path);
Problem wrong_type(std::string_view path, const char* expected, dom::object o, std::string_view key);

// 32-byte hashes and txids: "0x" + 64 lower-case hex from hex with or
// without "0x" in either case. False when not 64 hex digits.
bool normalize_hash32(std::string_view in, std::string& out);
// Hex without "0x" in lower case (memos): false when not hex.
bool normalize_hex(std::string_view in, std::string& out);

// JSON paths for details: join_path("events[3]", "txid") -> "events[3].txid"
// (a bare key when the parent is ""); index_path("events", 3) -> "events[3]".
std::string join_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view array, std::size_t i);

// A required field, reported as missing / wrong type / bad value at `path`.
Problem require_string(dom::object o, std::string_view key, std::string_view path, std::string_view& out);
Problem require_u64(dom::object o, std::string_view key, std::string_view path, std::uint64_t& out);
Problem require_hash(dom::object o, std::string_view key, std::string_view path, std::string& out);  // normalize_hash32

// Decimal digits -> Amount (u256; node/API amounts are u128 strings).
std::optional<Amount> parse_amount(std::string_view text) noexcept;

// A Stacks principal as canonical text (address::parse). On failure `out`
// is the text as sent (bounded to 256 bytes) and `error` says why.
bool normalize_principal(std::string_view text, std::string& out, std::string& error);
// An asset identifier "<contract principal>::<asset name>" with the
// principal normalised; same failure contract as normalize_principal.
bool normalize_asset_identifier(std::string_view text, std::string& out, std::string& error);

// Collects per-item problems, at most `max` of them: a body with a
// million bad events must not make a million strings. finish() appends one
// "N more problems not listed" entry when some were dropped.
class IssueList {
 public:
  explicit IssueList(std::vector<Problem>& out, std::size_t max = 32) : out_(out), max_(max) {}
  void add(Problem p) {
    if (out_.size() < max_) out_.push_back(std::move(p));
    else ++dropped_;
  }
  void finish() {
    if (dropped_)
      out_.push_back({Error::bad_field, std::to_string(dropped_) + " more problems not listed"});
    dropped_ = 0;
  }

 private:
  std::vector<Problem>& out_;
  std::size_t max_;
  std::size_t dropped_ = 0;
};

}  // namespace fw::decode::stacks::detail
