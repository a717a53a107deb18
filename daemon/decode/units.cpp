#include "decode/units.hpp"

#include <algorithm>
#include <cstdint>

namespace fw::decode {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

UnitsResult fail(std::string why) {
  UnitsResult r;
  r.error = std::move(why);
  return r;
}

// Appends decimal digits (all '0'..'9') to `a`; false on overflow past
// 2^256-1. Nine digits at a time: one 256-bit multiply per chunk, not per digit.
bool push_digits(Amount& a, std::string_view digits) noexcept {
  static constexpr std::uint32_t pow10[] = {1,      10,      100,      1000,      10000,
                                            100000, 1000000, 10000000, 100000000, 1000000000};
  while (!digits.empty()) {
    std::size_t n = std::min<std::size_t>(digits.size(), 9);
    std::uint32_t chunk = 0;
    for (std::size_t i = 0; i < n; ++i) chunk = chunk * 10 + static_cast<std::uint32_t>(digits[i] - '0');
    if (!a.mul_small(pow10[n]) || !a.add(Amount(chunk))) return false;
    digits.remove_prefix(n);
  }
  return true;
}

// Multiplies by 10^n; false on overflow.
bool scale(Amount& a, std::size_t n) noexcept {
  for (; n >= 9; n -= 9)
    if (!a.mul_small(1000000000)) return false;
  static constexpr std::uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  return a.mul_small(pow10[n]);
}

}  // namespace

UnitsResult parse_base_units(std::string_view text) {
  if (text.empty()) return fail("empty");
  if (text[0] == '-') return fail("negative");
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    if (text.size() == 2) return fail("not a number");
    auto v = Amount::from_hex(text);
    if (!v) {
      for (char c : text.substr(2))
        if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) return fail("not a hex number");
      return fail("larger than 2^256-1");
    }
    UnitsResult r;
    r.ok = true;
    r.value = *v;
    return r;
  }
  for (char c : text) {
    if (is_digit(c)) continue;
    if (c == '.' || c == 'e' || c == 'E')
      return fail("must be an integer in base units; use amount_decimal for display units");
    return fail("not a number");
  }
  UnitsResult r;
  if (!push_digits(r.value, text)) return fail("larger than 2^256-1");
  r.ok = true;
  return r;
}

UnitsResult parse_display_units(std::string_view text, unsigned decimals) {
  if (text.empty()) return fail("empty");
  if (text[0] == '-') return fail("negative");
  std::size_t dot = text.find('.');
  std::string_view int_part = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (int_part.empty() || (dot != std::string_view::npos && frac.empty())) return fail("not a decimal number");
  for (std::string_view part : {int_part, frac}) {
    for (char c : part) {
      if (is_digit(c)) continue;
      if (c == 'e' || c == 'E') return fail("exponent notation is not supported; send a plain decimal");
      return fail("not a decimal number");
    }
  }
  if (frac.size() > decimals) {
    for (char c : frac.substr(decimals)) {
      if (c != '0')
        return fail("more fraction digits than the asset's " + std::to_string(decimals) + " decimals");
    }
    frac = frac.substr(0, decimals);
  }
  UnitsResult r;
  if (!push_digits(r.value, int_part) || !push_digits(r.value, frac) || !scale(r.value, decimals - frac.size()))
    return fail("larger than 2^256-1 base units");
  r.ok = true;
  return r;
}

}  // namespace fw::decode
