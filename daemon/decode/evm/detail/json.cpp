#include "decode/evm/detail/json.hpp"

#include "core/hex.hpp"

namespace fw::decode::evm::detail {

namespace {

bool has_0x(std::string_view s) noexcept { return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

Got lookup(dom::object o, std::string_view key, dom::element& out) noexcept {
  if (o.at_key(key).get(out) != simdjson::SUCCESS || out.is_null()) return Got::absent;
  return Got::ok;
}

}  // namespace

Got get_string(dom::object o, std::string_view key, std::string_view& out) noexcept {
  dom::element e;
  if (lookup(o, key, e) != Got::ok) return Got::absent;
  return e.get_string().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_bool(dom::object o, std::string_view key, bool& out) noexcept {
  dom::element e;
  if (lookup(o, key, e) != Got::ok) return Got::absent;
  return e.get_bool().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_array(dom::object o, std::string_view key, dom::array& out) noexcept {
  dom::element e;
  if (lookup(o, key, e) != Got::ok) return Got::absent;
  return e.get_array().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

std::optional<std::uint64_t> parse_quantity(std::string_view s) noexcept {
  if (!has_0x(s) || s.size() == 2) return std::nullopt;
  s.remove_prefix(2);
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  if (s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = hex_value(c);
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

bool is_hex_data(std::string_view s) noexcept {
  if (!has_0x(s) || s.size() % 2) return false;
  for (std::size_t i = 2; i < s.size(); ++i)
    if (hex_value(s[i]) < 0) return false;
  return true;
}

std::optional<std::string> normalize_fixed_hex(std::string_view s, std::size_t bytes) {
  if (!has_0x(s) || s.size() != 2 + 2 * bytes) return std::nullopt;
  std::string out = "0x";
  out.reserve(s.size());
  for (std::size_t i = 2; i < s.size(); ++i) {
    const char c = s[i];
    if (hex_value(c) < 0) return std::nullopt;
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

const char* type_name(dom::element e) noexcept {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string json_excerpt(dom::element e, std::size_t max) { return excerpt(simdjson::minify(e), max); }

Problem parse(dom::parser& parser, std::string_view text, dom::element& out) {
  if (auto err = parser.parse(text.data(), text.size(), true).get(out); err != simdjson::SUCCESS)
    return {Error::not_json, std::string("not JSON (") + simdjson::error_message(err) + "): " + excerpt(text)};
  return {};
}

std::string join(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string index(std::string_view array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}

Problem missing(std::string_view path) { return {Error::missing_field, "missing field " + std::string(path)}; }

Problem wrong_type(std::string_view path, const char* expected, dom::element got) {
  return {Error::bad_field,
          std::string(path) + ": expected " + expected + ", got " + type_name(got) + " (" + json_excerpt(got) + ")"};
}

Problem bad(Error reason, std::string_view path, std::string_view why, std::string_view value) {
  return {reason, std::string(path) + ": " + std::string(why) + ": \"" + excerpt(value) + "\""};
}

namespace {

// The string field `key`, or the problem with it.
Problem require_string(dom::object o, std::string_view key, std::string_view path, std::string_view& out) {
  dom::element e;
  if (lookup(o, key, e) != Got::ok) return missing(join(path, key));
  if (e.get_string().get(out) != simdjson::SUCCESS) return wrong_type(join(path, key), "a hex string", e);
  return {};
}

}  // namespace

Problem require_quantity(dom::object o, std::string_view key, std::string_view path, std::uint64_t& out) {
  std::string_view s;
  if (auto p = require_string(o, key, path, s)) return p;
  auto v = parse_quantity(s);
  if (!v) return bad(Error::bad_field, join(path, key), "not a hex quantity", s);
  out = *v;
  return {};
}

Problem require_hash(dom::object o, std::string_view key, std::string_view path, std::string& out) {
  std::string_view s;
  if (auto p = require_string(o, key, path, s)) return p;
  auto v = normalize_fixed_hex(s, 32);
  if (!v) return bad(Error::bad_field, join(path, key), "not a 32-byte hash", s);
  out = std::move(*v);
  return {};
}

Problem require_address(dom::object o, std::string_view key, std::string_view path, std::string& out) {
  std::string_view s;
  if (auto p = require_string(o, key, path, s)) return p;
  auto v = normalize_fixed_hex(s, 20);
  if (!v) return bad(Error::bad_address, join(path, key), "not a 20-byte address", s);
  out = std::move(*v);
  return {};
}

Problem optional_quantity(dom::object o, std::string_view key, std::string_view path,
                          std::optional<std::uint64_t>& out) {
  dom::element e;
  out.reset();
  if (lookup(o, key, e) != Got::ok) return {};
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return wrong_type(join(path, key), "a hex string", e);
  auto v = parse_quantity(s);
  if (!v) return bad(Error::bad_field, join(path, key), "not a hex quantity", s);
  out = *v;
  return {};
}

}  // namespace fw::decode::evm::detail
