#include "decode/stacks/detail/json.hpp"

#include "address/address.hpp"
#include "core/hex.hpp"

namespace fw::decode::stacks::detail {
namespace {

constexpr std::size_t max_kept_text = 256;

Got field(dom::object o, std::string_view key, dom::element& out) noexcept {
  if (o.at_key(key).get(out) != simdjson::SUCCESS) return Got::absent;
  return out.is_null() ? Got::absent : Got::ok;
}

}  // namespace

Got get_string(dom::object o, std::string_view key, std::string_view& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  return e.get_string().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_u64(dom::object o, std::string_view key, std::uint64_t& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  if (!e.is_int64() && !e.is_uint64()) return Got::wrong;
  return e.get_uint64().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_i64(dom::object o, std::string_view key, std::int64_t& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  if (!e.is_int64()) return Got::wrong;
  return e.get_int64().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_bool(dom::object o, std::string_view key, bool& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  return e.get_bool().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_object(dom::object o, std::string_view key, dom::object& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  return e.get_object().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
}

Got get_array(dom::object o, std::string_view key, dom::array& out) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  return e.get_array().get(out) == simdjson::SUCCESS ? Got::ok : Got::wrong;
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
  return "?";
}

std::string json_excerpt(dom::element e, std::size_t max) {
  if (e.is_string()) {
    std::string_view s;
    if (e.get_string().get(s)) return "?";
    return "\"" + excerpt(s, max) + "\"";
  }
  return excerpt(simdjson::minify(e), max);
}

bool widen_big_integers(std::string_view body, std::string& out) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto too_big = [](std::string_view digits, bool negative) {
    std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    return digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit);
  };
  bool changed = false;
  std::size_t copied = 0;  // body[0, copied) is already in `out`
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (!is_digit(c) && c != '-') continue;
    // A number token outside strings: -?digits, then maybe . e E + -.
    std::size_t j = i + (c == '-' ? 1 : 0);
    std::size_t digits_start = j;
    while (j < body.size() && is_digit(body[j])) ++j;
    std::size_t end = j;
    while (end < body.size() && (is_digit(body[end]) || body[end] == '.' || body[end] == 'e' || body[end] == 'E' ||
                                 body[end] == '+' || body[end] == '-'))
      ++end;
    if (end == j && j > digits_start && too_big(body.substr(digits_start, j - digits_start), c == '-')) {
      if (!changed) {
        out.clear();
        out.reserve(body.size() + 64);
        changed = true;
      }
      out.append(body.substr(copied, j - copied));
      out.append(".0");
      copied = j;
    }
    i = end - 1;
  }
  if (changed) out.append(body.substr(copied));
  return changed;
}

Problem parse_body(dom::parser& parser, std::string& scratch, std::string_view body, dom::element& out,
                   bool want_array) {
  std::string_view text = widen_big_integers(body, scratch) ? std::string_view(scratch) : body;
  if (auto err = parser.parse(text.data(), text.size()).get(out)) {
    return {Error::not_json, std::string("invalid JSON (") + simdjson::error_message(err) + "); body starts \"" +
                                 excerpt(body) + "\""};
  }
  bool ok = want_array ? out.is_array() : out.is_object();
  if (!ok)
    return {Error::bad_shape, std::string("expected a JSON ") + (want_array ? "array" : "object") + ", got " +
                                  type_name(out) + " " + json_excerpt(out)};
  return {};
}

Problem missing(std::string_view path) { return {Error::missing_field, "missing field " + std::string(path)}; }

Problem wrong_type(std::string_view path, const char* expected, dom::object o, std::string_view key) {
  dom::element e;
  std::string got = "nothing";
  if (o.at_key(key).get(e) == simdjson::SUCCESS) got = std::string(type_name(e)) + " " + json_excerpt(e);
  return {Error::bad_field, std::string(path) + ": expected " + expected + ", got " + got};
}

bool normalize_hash32(std::string_view in, std::string& out) {
  if (in.size() >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) in.remove_prefix(2);
  if (in.size() != 64) return false;
  out.assign("0x");
  for (char c : in) {
    if (hex_value(c) < 0) return false;
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return true;
}

bool normalize_hex(std::string_view in, std::string& out) {
  if (in.size() >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) in.remove_prefix(2);
  if (in.size() % 2) return false;
  out.clear();
  out.reserve(in.size());
  for (char c : in) {
    if (hex_value(c) < 0) return false;
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return true;
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

std::string index_path(std::string_view array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}

Problem require_string(dom::object o, std::string_view key, std::string_view path, std::string_view& out) {
  switch (get_string(o, key, out)) {
    case Got::absent: return missing(join_path(path, key));
    case Got::wrong: return wrong_type(join_path(path, key), "a string", o, key);
    case Got::ok: break;
  }
  return {};
}

Problem require_u64(dom::object o, std::string_view key, std::string_view path, std::uint64_t& out) {
  switch (get_u64(o, key, out)) {
    case Got::absent: return missing(join_path(path, key));
    case Got::wrong: return wrong_type(join_path(path, key), "a non-negative integer", o, key);
    case Got::ok: break;
  }
  return {};
}

Problem require_hash(dom::object o, std::string_view key, std::string_view path, std::string& out) {
  std::string_view text;
  if (Problem p = require_string(o, key, path, text)) return p;
  if (!normalize_hash32(text, out))
    return {Error::bad_field, join_path(path, key) + ": not a 32-byte hex hash: \"" + excerpt(text) + "\""};
  return {};
}

std::optional<Amount> parse_amount(std::string_view text) noexcept { return Amount::from_decimal(text); }

bool normalize_principal(std::string_view text, std::string& out, std::string& error) {
  auto parsed = address::parse(Chain::stacks, text);
  if (parsed) {
    out = parsed->canonical;
    return true;
  }
  out.assign(text.substr(0, max_kept_text));
  error = parsed.error;
  return false;
}

bool normalize_asset_identifier(std::string_view text, std::string& out, std::string& error) {
  std::size_t sep = text.find("::");
  if (sep == std::string_view::npos || sep + 2 == text.size()) {
    out.assign(text.substr(0, max_kept_text));
    error = "not <contract principal>::<asset name>";
    return false;
  }
  std::string contract;
  if (!normalize_principal(text.substr(0, sep), contract, error) || contract.find('.') == std::string::npos) {
    if (error.empty()) error = "not a contract principal";
    out.assign(text.substr(0, max_kept_text));
    return false;
  }
  out = std::move(contract);
  out.append(text.substr(sep));
  return true;
}

}  // namespace fw::decode::stacks::detail
