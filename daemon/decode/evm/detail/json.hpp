// simdjson DOM helpers of decode/evm (private; with decoder.cpp the only
// place in decode/evm that includes simdjson.h). Getters never throw.
// EVM JSON-RPC conventions: quantities are "0x"-prefixed hex strings,
// hashes "0x" + 64 hex, addresses "0x" + 40 hex, data "0x" + even hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "decode/evm/error.hpp"

namespace fw::decode::evm::detail {

namespace dom = simdjson::dom;

enum class Got : std::uint8_t { ok, absent, wrong };  // absent = missing or null

Got get_string(dom::object o, std::string_view key, std::string_view& out) noexcept;
Got get_bool(dom::object o, std::string_view key, bool& out) noexcept;
Got get_array(dom::object o, std::string_view key, dom::array& out) noexcept;

// "0x1a" -> 26. Hex digits after "0x" (1..16 significant), either case.
std::optional<std::uint64_t> parse_quantity(std::string_view s) noexcept;
// "0x" followed by an even number of hex digits (EVM `data`).
bool is_hex_data(std::string_view s) noexcept;
// "0x" + exactly `bytes` bytes of hex -> "0x" + lower case.
std::optional<std::string> normalize_fixed_hex(std::string_view s, std::size_t bytes);

const char* type_name(dom::element e) noexcept;
std::string json_excerpt(dom::element e, std::size_t max = 60);

// Parses `text`; not_json on failure.
Problem parse(dom::parser& parser, std::string_view text, dom::element& out);

std::string join(std::string_view parent, std::string_view key);
std::string index(std::string_view array, std::size_t i);

Problem missing(std::string_view path);
Problem wrong_type(std::string_view path, const char* expected, dom::element got);
Problem bad(Error reason, std::string_view path, std::string_view why, std::string_view value);

// Required fields, reported at join(path, key).
Problem require_quantity(dom::object o, std::string_view key, std::string_view path, std::uint64_t& out);
Problem require_hash(dom::object o, std::string_view key, std::string_view path, std::string& out);
Problem require_address(dom::object o, std::string_view key, std::string_view path, std::string& out);
// Optional quantity: absent -> nullopt, no problem.
Problem optional_quantity(dom::object o, std::string_view key, std::string_view path,
                          std::optional<std::uint64_t>& out);

}  // namespace fw::decode::evm::detail
