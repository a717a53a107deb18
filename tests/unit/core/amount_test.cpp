#include "core/amount.hpp"

#include <gtest/gtest.h>

namespace fw {
namespace {

TEST(Amount, DecimalRoundTripUpTo256Bits) {
  const char* max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  auto a = Amount::from_decimal(max);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_decimal(), max);
  EXPECT_FALSE(Amount::from_decimal("115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  EXPECT_FALSE(Amount::from_decimal(""));
  EXPECT_FALSE(Amount::from_decimal("12a"));
  EXPECT_FALSE(Amount::from_decimal("-1"));
}

TEST(Amount, HexParsesEvmQuantitiesAndWords) {
  EXPECT_EQ(Amount::from_hex("0xbc614e")->to_decimal(), "12345678");
  EXPECT_EQ(Amount::from_hex("0x")->to_decimal(), "0");
  EXPECT_EQ(Amount::from_hex("0x000000000000000000000000000000000000000000000000000000000000007b")->to_decimal(), "123");
  EXPECT_EQ(Amount::from_hex("ff")->to_decimal(), "255");
  EXPECT_FALSE(Amount::from_hex("0x1" + std::string(64, '0')));
  EXPECT_FALSE(Amount::from_hex("0xzz"));
}

TEST(Amount, BigEndianBytes) {
  std::uint8_t word[32] = {};
  word[0] = 1;  // 2^248
  word[31] = 2;
  auto a = Amount::from_be_bytes(word, 32);
  EXPECT_EQ(a.to_decimal(), "452312848583266388373324160190187140051835877600158453279131187530910662658");
}

TEST(Amount, RendersWithDecimalsWithoutRounding) {
  EXPECT_EQ(Amount(1234567).to_decimal(6), "1.234567");
  EXPECT_EQ(Amount(1000000).to_decimal(6), "1");
  EXPECT_EQ(Amount(5).to_decimal(6), "0.000005");
  EXPECT_EQ(Amount(0).to_decimal(6), "0");
  EXPECT_EQ(Amount(1200).to_decimal(2), "12");
  EXPECT_EQ(Amount(1234).to_decimal(0), "1234");
}

TEST(Amount, OrderingIsNumeric) {
  EXPECT_LT(Amount(5), Amount(6));
  EXPECT_LT(Amount(UINT64_MAX), *Amount::from_decimal("18446744073709551616"));
  Amount a(UINT64_MAX);
  EXPECT_TRUE(a.add(Amount(1)));
  EXPECT_EQ(a.to_decimal(), "18446744073709551616");
}

}  // namespace
}  // namespace fw
