// simdjson DOM helpers private to decode/tron (the only place, with the .cpp
// files of decode/tron, that includes simdjson.h). Getters never throw: they
// report ok / absent (missing or null) / wrong type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/chain.hpp"
#include "decode/tron/error.hpp"

namespace fw::decode::tron::detail {

namespace dom = simdjson::dom;

enum class Got : std::uint8_t { ok, absent, wrong };

Got get_string(dom::object o, std::string_view key, std::string_view& out) noexcept;
Got get_u64(dom::object o, std::string_view key, std::uint64_t& out) noexcept;  // a JSON integer >= 0
Got get_i64(dom::object o, std::string_view key, std::int64_t& out) noexcept;
Got get_bool(dom::object o, std::string_view key, bool& out) noexcept;
Got get_object(dom::object o, std::string_view key, dom::object& out) noexcept;
Got get_array(dom::object o, std::string_view key, dom::array& out) noexcept;

// A printable excerpt: at most `max` characters, "..." when cut, non-printable bytes as '?'.
std::string excerpt(std::string_view text, std::size_t max = 60);
// The element as compact JSON, cut for a detail message.
std::string json_excerpt(dom::element e, std::size_t max = 60);

// "a string", "a number", ...
const char* type_name(dom::element e) noexcept;

Problem missing(std::string_view path);
Problem wrong_type(std::string_view path, const char* expected, dom::object o, std::string_view key);
std::string join_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view array, std::size_t i);

Problem require_string(dom::object o, std::string_view key, std::string_view path, std::string_view& out);
Problem require_u64(dom::object o, std::string_view key, std::string_view path, std::uint64_t& out);

// A TRON transaction id: 64 hex digits, with or without 0x, any case ->
// 64 lower-case hex digits without 0x (the form TRON explorers show).
bool normalize_txid(std::string_view in, std::string& out);

// Any TRON spelling ("T..." base58check, "0x"+40 hex, "41"+40 hex) ->
// canonical base58check. On failure `error` says why.
bool tron_address(std::string_view text, std::string& out, std::string& error);

// A JSON value that is a decimal string or a non-negative integer -> its digits.
Got get_decimal(dom::object o, std::string_view key, std::string& digits) noexcept;

// Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

// Bounded collection of per-event problems (a body with a million bad
// events must not make a million strings).
class IssueList {
 public:
  explicit IssueList(std::vector<Problem>& out, std::size_t max = 32) : out_(out), max_(max) {}
  void add(Problem p) {
    if (out_.size() < max_) out_.push_back(std::move(p));
    else ++dropped_;
  }
  void finish() {
    if (dropped_) out_.push_back({Error::bad_field, std::to_string(dropped_) + " more problems not listed"});
    dropped_ = 0;
  }

 private:
  std::vector<Problem>& out_;
  std::size_t max_;
  std::size_t dropped_ = 0;
};

}  // namespace fw::decode::tron::detail
