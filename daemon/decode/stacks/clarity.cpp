#include "decode/stacks/clarity.hpp"

#include <algorithm>

#include "address/address.hpp"
#include "core/hex.hpp"
#include "decode/stacks/detail/clarity_read.hpp"

namespace fw::decode::stacks {
namespace detail {
namespace {

std::string at(const ByteReader& r) { return "byte " + std::to_string(r.offset()) + ": "; }

std::string hex_byte(std::uint8_t b) { return "0x" + hex_encode(&b, 1); }

// Reads a u32 length and checks that `count` items of at least `min_each`
// bytes can still follow, so a forged length never drives an allocation.
bool read_count(ByteReader& r, std::uint32_t& n, std::size_t min_each, const char* what, std::string& error) {
  std::size_t start = r.offset();
  if (!r.u32(n)) {
    error = short_read(r, 4, what);
    return false;
  }
  if (static_cast<std::uint64_t>(n) * min_each > r.remaining()) {
    error = "byte " + std::to_string(start) + ": " + what + " of " + std::to_string(n) + " but only " +
            std::to_string(r.remaining()) + " bytes left";
    return false;
  }
  return true;
}

bool read_length_prefixed(ByteReader& r, ClarityValue* out, const char* what, std::string& error) {
  std::uint32_t n;
  if (!read_count(r, n, 1, what, error)) return false;
  const std::uint8_t* p = nullptr;
  if (!r.bytes(n, p)) return false;  // unreachable: read_count checked the length
  if (out) out->data.assign(reinterpret_cast<const char*>(p), n);
  return true;
}

}  // namespace

bool read_standard_principal(ByteReader& r, std::string& out, std::string& error) {
  std::uint8_t version;
  const std::uint8_t* hash;
  if (!r.u8(version)) {
    error = short_read(r, 1, "principal version");
    return false;
  }
  if (version >= 32) {
    r.seek(r.pos() - 1);
    error = at(r) + "principal version " + std::to_string(version) + " is not below 32";
    return false;
  }
  if (!r.bytes(20, hash)) {
    error = short_read(r, 20, "principal hash160");
    return false;
  }
  out = address::stacks_address(version, hash);
  return true;
}

bool read_contract_name(ByteReader& r, std::string& out, std::string& error) {
  std::uint8_t n;
  const std::uint8_t* p;
  if (!r.u8(n)) {
    error = short_read(r, 1, "contract name length");
    return false;
  }
  if (!r.bytes(n, p)) {
    error = short_read(r, n, "contract name");
    return false;
  }
  std::string_view name(reinterpret_cast<const char*>(p), n);
  if (!valid_contract_name(name)) {
    error = "byte " + std::to_string(r.offset() - n) + ": invalid contract name \"" + excerpt(name, 40) + "\"";
    return false;
  }
  out.assign(name);
  return true;
}

bool read_clarity_name(ByteReader& r, std::string& out, const char* what, std::string& error) {
  std::uint8_t n;
  const std::uint8_t* p;
  if (!r.u8(n)) {
    error = short_read(r, 1, what);
    return false;
  }
  if (!r.bytes(n, p)) {
    error = short_read(r, n, what);
    return false;
  }
  std::string_view name(reinterpret_cast<const char*>(p), n);
  bool ok = n >= 1 && n <= 128 && std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!ok) {
    error = "byte " + std::to_string(r.offset() - n) + ": invalid " + what + " \"" + excerpt(name, 40) + "\"";
    return false;
  }
  out.assign(name);
  return true;
}

bool read_clarity(ByteReader& r, ClarityValue* out, ClarityBudget& budget, std::size_t depth, std::string& error) {
  if (depth > budget.limits.max_depth) {
    error = at(r) + "values nested deeper than " + std::to_string(budget.limits.max_depth) + " levels";
    return false;
  }
  if (out && ++budget.values > budget.limits.max_values) {
    error = at(r) + "more than " + std::to_string(budget.limits.max_values) + " Clarity values";
    return false;
  }
  std::uint8_t prefix;
  if (!r.u8(prefix)) {
    error = short_read(r, 1, "Clarity type prefix");
    return false;
  }
  if (prefix > static_cast<std::uint8_t>(ClarityType::string_utf8)) {
    r.seek(r.pos() - 1);
    error = at(r) + "unknown Clarity type prefix " + hex_byte(prefix);
    return false;
  }
  auto type = static_cast<ClarityType>(prefix);
  if (out) out->type = type;
  switch (type) {
    case ClarityType::int_:
    case ClarityType::uint_: {
      const std::uint8_t* p;
      if (!r.bytes(16, p)) {
        error = short_read(r, 16, type == ClarityType::int_ ? "int" : "uint");
        return false;
      }
      if (out) std::copy(p, p + 16, out->word.begin());
      return true;
    }
    case ClarityType::bool_true:
    case ClarityType::bool_false:
    case ClarityType::none: return true;
    case ClarityType::buffer: return read_length_prefixed(r, out, "buffer", error);
    case ClarityType::string_ascii: return read_length_prefixed(r, out, "string-ascii", error);
    case ClarityType::string_utf8: return read_length_prefixed(r, out, "string-utf8", error);
    case ClarityType::principal_standard:
    case ClarityType::principal_contract: {
      std::string text, name;
      if (!read_standard_principal(r, text, error)) return false;
      if (type == ClarityType::principal_contract) {
        if (!read_contract_name(r, name, error)) return false;
        text += '.';
        text += name;
      }
      if (out) out->data = std::move(text);
      return true;
    }
    case ClarityType::response_ok:
    case ClarityType::response_err:
    case ClarityType::some: {
      if (!out) return read_clarity(r, nullptr, budget, depth + 1, error);
      out->items.resize(1);
      return read_clarity(r, &out->items[0], budget, depth + 1, error);
    }
    case ClarityType::list: {
      std::uint32_t n;
      if (!read_count(r, n, 1, "list", error)) return false;
      // Grow with the values actually read: n is attacker-controlled and
      // nested lists would otherwise each reserve for the whole input.
      if (out) out->items.reserve(std::min<std::size_t>(n, 16));
      for (std::uint32_t i = 0; i < n; ++i) {
        ClarityValue* item = nullptr;
        if (out) item = &out->items.emplace_back();
        if (!read_clarity(r, item, budget, depth + 1, error)) return false;
      }
      return true;
    }
    case ClarityType::tuple: {
      std::uint32_t n;
      if (!read_count(r, n, 3, "tuple", error)) return false;
      if (out) {
        out->items.reserve(std::min<std::size_t>(n, 16));
        out->keys.reserve(std::min<std::size_t>(n, 16));
      }
      std::string key;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!read_clarity_name(r, key, "tuple field name", error)) return false;
        ClarityValue* item = nullptr;
        if (out) {
          out->keys.push_back(key);
          item = &out->items.emplace_back();
        }
        if (!read_clarity(r, item, budget, depth + 1, error)) return false;
      }
      return true;
    }
  }
  return false;  // unreachable: prefix checked above
}

}  // namespace detail

namespace {

__extension__ typedef unsigned __int128 u128;

std::string int_decimal(const std::array<std::uint8_t, 16>& w, bool is_signed) {
  u128 v = 0;
  for (std::uint8_t b : w) v = (v << 8) | b;
  bool negative = is_signed && (w[0] & 0x80);
  if (negative) v = ~v + 1;  // magnitude; -2^127 maps to itself, printed correctly as unsigned
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void render(const ClarityValue& v, std::string& out, std::size_t max) {
  if (out.size() > max) return;
  switch (v.type) {
    case ClarityType::int_: out += int_decimal(v.word, true); return;
    case ClarityType::uint_: out += 'u' + int_decimal(v.word, false); return;
    case ClarityType::bool_true: out += "true"; return;
    case ClarityType::bool_false: out += "false"; return;
    case ClarityType::none: out += "none"; return;
    case ClarityType::buffer: out += "0x" + hex_encode(v.data); return;
    case ClarityType::string_ascii: append_quoted(out, v.data); return;
    case ClarityType::string_utf8: out += 'u'; append_quoted(out, v.data); return;
    case ClarityType::principal_standard:
    case ClarityType::principal_contract: out += v.data; return;
    case ClarityType::some:
    case ClarityType::response_ok:
    case ClarityType::response_err:
      out += v.type == ClarityType::some ? "(some " : v.type == ClarityType::response_ok ? "(ok " : "(err ";
      if (!v.items.empty()) render(v.items[0], out, max);
      out += ')';
      return;
    case ClarityType::list:
      out += "(list";
      for (const auto& item : v.items) {
        out += ' ';
        render(item, out, max);
        if (out.size() > max) return;
      }
      out += ')';
      return;
    case ClarityType::tuple:
      out += "(tuple";
      for (std::size_t i = 0; i < v.items.size() && i < v.keys.size(); ++i) {
        out += " (" + v.keys[i] + ' ';
        render(v.items[i], out, max);
        out += ')';
        if (out.size() > max) return;
      }
      out += ')';
      return;
  }
}

}  // namespace

Amount ClarityValue::uint_amount() const noexcept {
  if (type != ClarityType::uint_) return Amount();
  return Amount::from_be_bytes(word.data(), word.size());
}

const ClarityValue* ClarityValue::inner() const noexcept {
  bool wraps = type == ClarityType::some || type == ClarityType::response_ok || type == ClarityType::response_err;
  return wraps && items.size() == 1 ? &items[0] : nullptr;
}

const ClarityValue* ClarityValue::field(std::string_view key) const noexcept {
  if (type != ClarityType::tuple) return nullptr;
  for (std::size_t i = 0; i < keys.size() && i < items.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

std::string ClarityValue::repr(std::size_t max_chars) const {
  std::string out;
  render(*this, out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

Decoded<ClarityValue> decode_clarity(std::span<const std::uint8_t> bytes, const ClarityLimits& limits) {
  Decoded<ClarityValue> result;
  detail::ByteReader r(bytes);
  detail::ClarityBudget budget{limits};
  std::string error;
  if (!detail::read_clarity(r, &result.value, budget, 0, error)) {
    result.error = {Error::bad_clarity, std::move(error)};
  } else if (!r.at_end()) {
    result.error = {Error::bad_clarity, "byte " + std::to_string(r.offset()) + ": " + std::to_string(r.remaining()) +
                                            " bytes after the value"};
  }
  return result;
}

Decoded<ClarityValue> decode_clarity_hex(std::string_view hex, const ClarityLimits& limits) {
  auto bytes = hex_decode(hex);
  if (!bytes) {
    Decoded<ClarityValue> result;
    result.error = {Error::bad_clarity, "not hex: \"" + excerpt(hex) + "\""};
    return result;
  }
  return decode_clarity(*bytes, limits);
}

std::optional<ClarityValue> clarity_uint(std::string_view digits) {
  if (digits.empty() || digits.size() > 39) return std::nullopt;
  ClarityValue v;
  v.type = ClarityType::uint_;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (int i = 15; i >= 0; --i) {
      unsigned t = v.word[static_cast<std::size_t>(i)] * 10u + carry;
      v.word[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(t & 0xff);
      carry = t >> 8;
    }
    if (carry) return std::nullopt;  // above 2^128-1
  }
  return v;
}

ClarityValue clarity_principal(std::string canonical) {
  ClarityValue v;
  v.type = canonical.find('.') == std::string::npos ? ClarityType::principal_standard
                                                    : ClarityType::principal_contract;
  v.data = std::move(canonical);
  return v;
}

ClarityValue clarity_none() { return ClarityValue{}; }

ClarityValue clarity_some(ClarityValue inner) {
  ClarityValue v;
  v.type = ClarityType::some;
  v.items.push_back(std::move(inner));
  return v;
}

ClarityValue clarity_buffer(std::string bytes) {
  ClarityValue v;
  v.type = ClarityType::buffer;
  v.data = std::move(bytes);
  return v;
}

bool valid_contract_name(std::string_view name) noexcept {
  if (name == "__transient") return true;
  if (name.empty() || name.size() > 128) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace fw::decode::stacks
