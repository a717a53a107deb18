#include "decode/names.hpp"

#include <gtest/gtest.h>

namespace fw::decode {
namespace {

TEST(ChainNames, AcceptCanonicalNamesAndExchangeSynonymsInAnyCase) {
  struct Case {
    const char* text;
    Chain chain;
    const char* name;
  } cases[] = {
      {"stacks", Chain::stacks, "stacks"},   {"STX", Chain::stacks, "stacks"},
      {"ethereum", Chain::evm, "ethereum"},  {"ETH", Chain::evm, "ethereum"},
      {"ERC20", Chain::evm, "ethereum"},     {"tron", Chain::tron, "tron"},
      {"TRON", Chain::tron, "tron"},         {"TRX", Chain::tron, "tron"},
      {"TRC20", Chain::tron, "tron"},        {"bsc", Chain::evm, "bsc"},
      {"BEP20", Chain::evm, "bsc"},          {"Arbitrum", Chain::evm, "arbitrum"},
      {"polygon", Chain::evm, "polygon"},    {"evm", Chain::evm, "evm"},
      {"bitcoin", Chain::bitcoin, "bitcoin"}, {"BTC", Chain::bitcoin, "bitcoin"},
  };
  for (const auto& c : cases) {
    auto r = chain_from_name(c.text);
    ASSERT_TRUE(r) << c.text;
    EXPECT_EQ(r->chain, c.chain) << c.text;
    EXPECT_EQ(r->name, c.name) << c.text;
  }
  EXPECT_FALSE(chain_from_name("dogecoin"));
  EXPECT_FALSE(chain_from_name(""));
}

TEST(DepositStatuses, AcceptCanonicalNamesAndSynonymsInAnyCase) {
  EXPECT_EQ(deposit_status_from_name("pending"), DepositStatus::pending);
  EXPECT_EQ(deposit_status_from_name("PROCESSING"), DepositStatus::pending);
  EXPECT_EQ(deposit_status_from_name("confirmed"), DepositStatus::confirmed);
  EXPECT_EQ(deposit_status_from_name("CREDITED"), DepositStatus::credited);
  EXPECT_EQ(deposit_status_from_name("Completed"), DepositStatus::credited);
  EXPECT_EQ(deposit_status_from_name("failed"), DepositStatus::failed);
  EXPECT_EQ(deposit_status_from_name("canceled"), DepositStatus::cancelled);
  EXPECT_EQ(deposit_status_from_name("cancelled"), DepositStatus::cancelled);
  EXPECT_FALSE(deposit_status_from_name("mystery"));
}

TEST(DefaultDecimals, ComeFromTheBuiltInTableByChainAndSymbol) {
  EXPECT_EQ(default_decimals("stacks", "STX"), 6);
  EXPECT_EQ(default_decimals("bitcoin", "BTC"), 8);
  EXPECT_EQ(default_decimals("ethereum", "ETH"), 18);
  EXPECT_EQ(default_decimals("ethereum", "usdt"), 6);
  EXPECT_EQ(default_decimals("arbitrum", "USDC"), 6);
  EXPECT_EQ(default_decimals("tron", "TRX"), 6);
  EXPECT_EQ(default_decimals("tron", "USDT"), 6);
  // Binance-bridged stablecoins on BSC have 18 decimals, not 6.
  EXPECT_EQ(default_decimals("bsc", "USDT"), 18);
  EXPECT_EQ(default_decimals("bsc", "USDC"), 18);
  EXPECT_FALSE(default_decimals("stacks", "ALEX"));
  EXPECT_FALSE(default_decimals("ethereum", "BTC"));
}

TEST(Networks, AcceptMainnetAndTestnetSpellings) {
  EXPECT_EQ(network_from_name("mainnet"), Network::mainnet);
  EXPECT_EQ(network_from_name("MAIN"), Network::mainnet);
  EXPECT_EQ(network_from_name("Testnet"), Network::testnet);
  EXPECT_FALSE(network_from_name("devnet"));
}

}  // namespace
}  // namespace fw::decode
