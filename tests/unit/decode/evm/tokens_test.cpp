#include "decode/evm/tokens.hpp"

#include <gtest/gtest.h>

#include "address/hash.hpp"
#include "core/hex.hpp"

namespace fw::decode::evm {
namespace {

TEST(EvmTokens, TransferTopicIsTheKeccakOfTheEventSignature) {
  EXPECT_EQ("0x" + hex_encode(address::keccak256("Transfer(address,address,uint256)")), kTransferTopic);
}

TEST(EvmTokens, EthereumWithoutConfiguredTokensWatchesUsdtAndUsdc) {
  std::string error;
  auto r = TokenRegistry::for_source("ethereum", {}, error);
  ASSERT_TRUE(r) << error;
  ASSERT_EQ(r->tokens().size(), 2u);
  const TokenInfo* usdt = r->find("0xdac17f958d2ee523a2206206994597c13d831ec7");
  ASSERT_NE(usdt, nullptr);
  EXPECT_EQ(usdt->symbol, "USDT");
  EXPECT_EQ(usdt->decimals, 6);
  const TokenInfo* usdc = r->find("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  ASSERT_NE(usdc, nullptr);
  EXPECT_EQ(usdc->symbol, "USDC");
  EXPECT_EQ(usdc->decimals, 6);
}

TEST(EvmTokens, OtherChainsWithoutTokensAreAConfigError) {
  std::string error;
  EXPECT_FALSE(TokenRegistry::for_source("bsc", {}, error));
  EXPECT_NE(error.find("no tokens configured"), std::string::npos) << error;
}

TEST(EvmTokens, ConfiguredTokensReplaceTheDefaultsAndAreNormalised) {
  std::string error;
  // BSC USDT: 18 decimals, EIP-55 spelling.
  auto r = TokenRegistry::for_source("ethereum", {{"0x55d398326f99059fF775485246999027B3197955", "USDT", 18}}, error);
  ASSERT_TRUE(r) << error;
  ASSERT_EQ(r->tokens().size(), 1u);
  EXPECT_EQ(r->tokens()[0].contract, "0x55d398326f99059ff775485246999027b3197955");
  EXPECT_EQ(r->find("0xdac17f958d2ee523a2206206994597c13d831ec7"), nullptr);
  const Asset a = token_asset(r->tokens()[0]);
  EXPECT_EQ(a.contract, "0x55d398326f99059ff775485246999027b3197955");
  EXPECT_EQ(a.decimals, 18);
}

TEST(EvmTokens, BadContractAddressesAreRefusedWithTheirIndex) {
  std::string error;
  // A typo'd checksum (seen in the wild for USDC) and a TRON address.
  EXPECT_FALSE(TokenRegistry::for_source("ethereum", {{"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606EB48", "USDC", 6}}, error));
  EXPECT_EQ(error.rfind("tokens[0].asset: ", 0), 0u) << error;
  EXPECT_FALSE(TokenRegistry::for_source(
      "ethereum", {{"0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6}, {"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6}},
      error));
  EXPECT_EQ(error.rfind("tokens[1].asset: ", 0), 0u) << error;
}

TEST(EvmTokens, SameContractTwiceKeepsTheLastSpelling) {
  TokenRegistry r;
  std::string error;
  ASSERT_TRUE(r.add({"0xdac17f958d2ee523a2206206994597c13d831ec7", "X", 1}, error));
  ASSERT_TRUE(r.add({"0xdAC17F958D2ee523a2206206994597C13D831ec7", "USDT", 6}, error));
  ASSERT_EQ(r.tokens().size(), 1u);
  EXPECT_EQ(r.tokens()[0].symbol, "USDT");
}

TEST(EvmTokens, NativeAssetPerChain) {
  EXPECT_EQ(native_asset("ethereum").symbol, "ETH");
  EXPECT_EQ(native_asset("bsc").symbol, "BNB");
  EXPECT_EQ(native_asset("polygon").symbol, "POL");
  EXPECT_EQ(native_asset("avalanche").symbol, "AVAX");
  EXPECT_EQ(native_asset("my-devnet").symbol, "");
  EXPECT_EQ(native_asset("my-devnet").decimals, 18);
  EXPECT_TRUE(native_asset("bsc").is_native());
}

}  // namespace
}  // namespace fw::decode::evm
