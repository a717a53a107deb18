#include "decode/units.hpp"

#include <gtest/gtest.h>

namespace fw::decode {
namespace {

std::string base(std::string_view s) {
  UnitsResult r = parse_base_units(s);
  return r.ok ? r.value.to_decimal() : "error: " + r.error;
}

std::string display(std::string_view s, unsigned decimals) {
  UnitsResult r = parse_display_units(s, decimals);
  return r.ok ? r.value.to_decimal() : "error: " + r.error;
}

TEST(BaseUnits, AcceptsDecimalAndHexIntegersOfAnySize) {
  EXPECT_EQ(base("0"), "0");
  EXPECT_EQ(base("1000000"), "1000000");
  EXPECT_EQ(base("000123"), "123");
  EXPECT_EQ(base("0x16e360"), "1500000");
  EXPECT_EQ(base("0X16E360"), "1500000");
  EXPECT_EQ(base("123456789012345678901234567890"), "123456789012345678901234567890");
  // 2^256 - 1 is the largest amount.
  EXPECT_EQ(base("115792089237316195423570985008687907853269984665640564039457584007913129639935"),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935");
}

TEST(BaseUnits, RejectsFractionsSignsGarbageAndOverflow) {
  EXPECT_EQ(base("1.5"), "error: must be an integer in base units; use amount_decimal for display units");
  EXPECT_EQ(base("1e6"), "error: must be an integer in base units; use amount_decimal for display units");
  EXPECT_EQ(base("-5"), "error: negative");
  EXPECT_EQ(base(""), "error: empty");
  EXPECT_EQ(base("12a"), "error: not a number");
  EXPECT_EQ(base(" 12"), "error: not a number");
  EXPECT_EQ(base("0x"), "error: not a number");
  EXPECT_EQ(base("0xzz"), "error: not a hex number");
  EXPECT_EQ(base("115792089237316195423570985008687907853269984665640564039457584007913129639936"),
            "error: larger than 2^256-1");
}

TEST(DisplayUnits, ConvertsExactlyWithTheAssetDecimals) {
  EXPECT_EQ(display("1.5", 6), "1500000");
  EXPECT_EQ(display("12.5", 6), "12500000");
  EXPECT_EQ(display("0.000001", 6), "1");
  EXPECT_EQ(display("7", 6), "7000000");
  EXPECT_EQ(display("7", 0), "7");
  EXPECT_EQ(display("1.000000000000000001", 18), "1000000000000000001");
  EXPECT_EQ(display("0.1", 18), "100000000000000000");
}

TEST(DisplayUnits, AcceptsExtraFractionDigitsOnlyWhenTheyAreZeros) {
  EXPECT_EQ(display("12.50000000", 6), "12500000");  // exchanges often pad to 8 places
  EXPECT_EQ(display("1.0000001", 6), "error: more fraction digits than the asset's 6 decimals");
  EXPECT_EQ(display("1.5", 0), "error: more fraction digits than the asset's 0 decimals");
}

TEST(DisplayUnits, RejectsSignsExponentsAndMalformedNumbers) {
  EXPECT_EQ(display("-1", 6), "error: negative");
  EXPECT_EQ(display("1e3", 6), "error: exponent notation is not supported; send a plain decimal");
  EXPECT_EQ(display(".5", 6), "error: not a decimal number");
  EXPECT_EQ(display("5.", 6), "error: not a decimal number");
  EXPECT_EQ(display("1,000.5", 6), "error: not a decimal number");
  EXPECT_EQ(display("", 6), "error: empty");
  EXPECT_EQ(display("1.2.3", 6), "error: not a decimal number");
}

}  // namespace
}  // namespace fw::decode
