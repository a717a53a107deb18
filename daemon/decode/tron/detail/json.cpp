#include "decode/tron/detail/json.hpp"

#include <algorithm>

#include "address/address.hpp"
#include "core/hex.hpp"

namespace fw::decode::tron {

const char* to_string(Error e) noexcept {
  switch (e) {
    case Error::none: return "none";
    case Error::not_json: return "not_json";
    case Error::not_object: return "not_object";
    case Error::missing_field: return "missing_field";
    case Error::bad_field: return "bad_field";
    case Error::bad_address: return "bad_address";
    case Error::bad_amount: return "bad_amount";
    case Error::rest_error: return "rest_error";
  }
  return "other";
}

namespace detail {
namespace {

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

std::string excerpt(std::string_view text, std::size_t max) {
  max = std::clamp<std::size_t>(max, 4, 120);
  std::string out;
  const bool cut = text.size() > max;
  const std::size_t n = cut ? max - 3 : text.size();
  out.reserve(max);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (cut) out += "...";
  return out;
}

std::string json_excerpt(dom::element e, std::size_t max) {
  if (e.is_string()) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) s = {};
    return "\"" + excerpt(s, max) + "\"";
  }
  return excerpt(simdjson::minify(e), max);
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

Problem missing(std::string_view path) { return {Error::missing_field, "missing field " + std::string(path)}; }

Problem wrong_type(std::string_view path, const char* expected, dom::object o, std::string_view key) {
  dom::element e;
  std::string got = "nothing";
  if (o.at_key(key).get(e) == simdjson::SUCCESS) got = std::string(type_name(e)) + " " + json_excerpt(e);
  return {Error::bad_field, std::string(path) + ": expected " + expected + ", got " + got};
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

bool normalize_txid(std::string_view in, std::string& out) {
  if (in.size() >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) in.remove_prefix(2);
  if (in.size() != 64) return false;
  out.clear();
  out.reserve(64);
  for (char c : in) {
    if (hex_value(c) < 0) return false;
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return true;
}

bool tron_address(std::string_view text, std::string& out, std::string& error) {
  auto parsed = address::parse(Chain::tron, text);
  if (!parsed) {
    error = parsed.error;
    return false;
  }
  out = std::move(parsed.address->canonical);
  return true;
}

Got get_decimal(dom::object o, std::string_view key, std::string& digits) noexcept {
  dom::element e;
  if (Got g = field(o, key, e); g != Got::ok) return g;
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    digits.assign(s);
    return Got::ok;
  }
  std::uint64_t u = 0;
  if ((e.is_uint64() || e.is_int64()) && e.get_uint64().get(u) == simdjson::SUCCESS) {
    digits = std::to_string(u);
    return Got::ok;
  }
  return Got::wrong;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(digits[c >> 4]);
          out.push_back(digits[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

}  // namespace detail
}  // namespace fw::decode::tron
