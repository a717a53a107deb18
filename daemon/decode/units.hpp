// Exact conversions from the text of an amount to base units.
//
//   parse_base_units("1500000")          -> 1500000
//   parse_base_units("0x16e360")         -> 1500000
//   parse_display_units("1.5", 6)        -> 1500000
//   parse_display_units("1.50000000", 6) -> 1500000   (extra digits are zeros: exact)
//   parse_display_units("1.0000001", 6)  -> error     (would round)
//
// Never rounds, never goes through a double. Pure; no allocation on success.
#pragma once

#include <string>
#include <string_view>

#include "core/amount.hpp"

namespace fw::decode {

struct UnitsResult {
  bool ok = false;
  Amount value;
  std::string error;  // why not, when !ok ("negative", "more than 6 fraction digits", ...)
};

// Base units: decimal digits, or hex with a "0x"/"0X" prefix. A sign, a
// decimal point or an exponent is an error: base units are integers.
UnitsResult parse_base_units(std::string_view text);

// Display units with `decimals` fraction digits: digits, optionally "." and
// digits ("12", "12.5", "0.000001"). Fraction digits beyond `decimals` are
// accepted only when they are all zeros. No sign, exponent or separators.
UnitsResult parse_display_units(std::string_view text, unsigned decimals);

}  // namespace fw::decode
