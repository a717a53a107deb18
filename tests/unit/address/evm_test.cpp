#include "address/address.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace fw::address {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper_hex(std::string s) {
  for (std::size_t i = 2; i < s.size(); ++i) s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  return s;
}

TEST(EvmParse, Eip55FixtureVectorsParseAndRenderBack) {
  auto lines = test::read_lines(test::fixture("evm/eip55_test_vectors.txt"));
  ASSERT_EQ(lines.size(), 8u);
  for (const auto& text : lines) {
    auto r = parse(Chain::evm, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, lower(text));
    EXPECT_EQ(r->chain, Chain::evm);
    EXPECT_EQ(r->kind, Kind::evm);
    ASSERT_EQ(r->payload.size(), 20u);
    EXPECT_EQ(to_eip55(r->payload.data()), text);
    EXPECT_EQ(evm_address(r->payload.data()), lower(text));
  }
}

TEST(EvmParse, SingleCaseIsAcceptedWithoutChecksum) {
  const std::string mixed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  for (const auto& text : {lower(mixed), upper_hex(mixed)}) {
    auto r = parse(Chain::evm, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, lower(mixed));
  }
}

TEST(EvmParse, MixedCaseMustMatchEip55) {
  const std::string good = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
  ASSERT_TRUE(parse(Chain::evm, good));
  // Flip the case of each letter in turn: every single flip must be caught.
  for (std::size_t i = 2; i < good.size(); ++i) {
    char c = good[i];
    if (!std::isalpha(static_cast<unsigned char>(c))) continue;
    std::string bad = good;
    bad[i] = std::islower(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : static_cast<char>(std::tolower(c));
    auto r = parse(Chain::evm, bad);
    EXPECT_FALSE(r) << bad;
    EXPECT_EQ(r.error, "bad EIP-55 checksum");
  }
  // Typo'd USDC seen in the wild (wire-formats.md B) vs the real one.
  EXPECT_EQ(parse(Chain::evm, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606EB48").error, "bad EIP-55 checksum");
  EXPECT_TRUE(parse(Chain::evm, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"));
  EXPECT_TRUE(parse(Chain::evm, "0xdAC17F958D2ee523a2206206994597C13D831ec7"));
}

TEST(EvmParse, SpecificErrorTexts) {
  EXPECT_EQ(parse(Chain::evm, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").error, "missing 0x prefix");
  EXPECT_EQ(parse(Chain::evm, "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").error, "expected '0x' prefix, got '0X'");
  EXPECT_EQ(parse(Chain::evm, "hello").error, "expected 0x followed by 40 hex digits");
  EXPECT_EQ(parse(Chain::evm, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe").error,
            "expected 40 hex digits after 0x, got 39");
  EXPECT_EQ(parse(Chain::evm, "0x").error, "expected 40 hex digits after 0x, got 0");
  EXPECT_EQ(parse(Chain::evm, "0x5aAeb6g53F3E94C9b9A09f33669435E7Ef1BeAed").error,
            "invalid hex character 'g' at position 8");
  EXPECT_EQ(parse(Chain::evm, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae\x01").error,
            "invalid hex character 0x01 at position 41");
  EXPECT_EQ(parse(Chain::evm, " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").error, "leading or trailing whitespace");
}

TEST(EvmParse, EveryOfacEthAddressParses) {
  int mixed = 0, lower_only = 0;
  for (const auto& text : test::ofac("ETH")) {
    auto r = parse(Chain::evm, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, lower(text));
    if (text == lower(text)) {
      ++lower_only;
    } else {
      ++mixed;
      EXPECT_EQ(to_eip55(r->payload.data()), text);
    }
  }
  EXPECT_EQ(mixed + lower_only, 152);
  EXPECT_EQ(mixed, 115);
  EXPECT_EQ(lower_only, 37);
}

TEST(EvmParse, ParseIntoReusesOneAddress) {
  Address a;
  std::string error;
  ASSERT_TRUE(parse_into(Chain::evm, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", a, error));
  EXPECT_EQ(a.canonical, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  ASSERT_TRUE(parse_into(Chain::evm, "0xde709f2102306220921060314715629080e2fb77", a, error));
  EXPECT_EQ(a.canonical, "0xde709f2102306220921060314715629080e2fb77");
  EXPECT_EQ(hex_encode(a.payload), "de709f2102306220921060314715629080e2fb77");
  EXPECT_FALSE(parse_into(Chain::evm, "0xzz", a, error));
  EXPECT_EQ(error, "expected 40 hex digits after 0x, got 2");
}

}  // namespace
}  // namespace fw::address
