#include "decode/stacks/tokens.hpp"

#include <gtest/gtest.h>

#include "decode/stacks/memo.hpp"

namespace fw::decode::stacks {
namespace {

TEST(Tokens, DefaultsKnowTheStablecoinsAndBridgedAssets) {
  auto r = TokenRegistry::defaults();
  const TokenInfo* sbtc = r.find("SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token::sbtc-token");
  ASSERT_NE(sbtc, nullptr);
  EXPECT_EQ(sbtc->symbol, "sBTC");
  EXPECT_EQ(sbtc->decimals, 8);
  EXPECT_EQ(r.find("SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC")->decimals, 6);
  EXPECT_EQ(r.find("SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.token-susdt::bridged-usdt")->symbol, "sUSDT");
  EXPECT_EQ(r.find("SP2XD7417HGPRTREMKF748VNEQPDRR0RMANB7X1NK.token-susdt::bridged-usdt")->symbol, "sUSDT");
  EXPECT_EQ(r.tokens().size(), 9u);
}

TEST(Tokens, LookupsAreCaseSensitive) {
  auto r = TokenRegistry::defaults();
  EXPECT_EQ(r.find("SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeusdc"), nullptr);
}

TEST(Tokens, UnknownAssetsKeepRawUnits) {
  Asset a = TokenRegistry::defaults().asset("SP000000000000000000002Q6VF78.x::y");
  EXPECT_EQ(a.contract, "SP000000000000000000002Q6VF78.x::y");
  EXPECT_EQ(a.symbol, "");
  EXPECT_EQ(a.decimals, 0);
}

TEST(Tokens, AddOverridesByAssetIdentifier) {
  auto r = TokenRegistry::defaults();
  r.add({"SPN5AKG35QZSK2M8GAMR4AFX45659RJHDW353HSG.usdh-token-v1::usdh", "USDh", 6});
  r.add({"SP000000000000000000002Q6VF78.x::y", "Y", 2});
  EXPECT_EQ(r.asset("SPN5AKG35QZSK2M8GAMR4AFX45659RJHDW353HSG.usdh-token-v1::usdh").decimals, 6);
  EXPECT_EQ(r.asset("SP000000000000000000002Q6VF78.x::y").symbol, "Y");
  EXPECT_EQ(r.tokens().size(), 10u);
}

TEST(Tokens, FindByContract) {
  auto r = TokenRegistry::defaults();
  const TokenInfo* t = r.find_by_contract("SP2C2YFP12AJZB4MABJBAJ55XECVS7E4PMMZ89YZR.usda-token");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->asset, "SP2C2YFP12AJZB4MABJBAJ55XECVS7E4PMMZ89YZR.usda-token::usda");
  EXPECT_EQ(r.find_by_contract("SP2C2YFP12AJZB4MABJBAJ55XECVS7E4PMMZ89YZR.usda"), nullptr);
  EXPECT_EQ(asset_contract("SP1.c::a"), "SP1.c");
  EXPECT_EQ(asset_contract("SP1.c"), "SP1.c");
}

TEST(Tokens, StxAsset) {
  Asset a = stx_asset();
  EXPECT_TRUE(a.is_native());
  EXPECT_EQ(a.symbol, "STX");
  EXPECT_EQ(a.decimals, 6);
}

TEST(Memo, DecodesPrintableTextAndTrimsTrailingNuls) {
  EXPECT_EQ(memo_text("46617563657400000000000000000000000000000000000000000000000000000000"), "Faucet");
  EXPECT_EQ(memo_text("0x3132333435"), "12345");
  EXPECT_EQ(memo_text("e282ac2031303000"), "\xe2\x82\xac 100");  // UTF-8
  EXPECT_EQ(memo_text("61096200"), "a\tb");
}

TEST(Memo, RejectsEmptyBinaryOrBadHex) {
  EXPECT_EQ(memo_text(""), std::nullopt);
  EXPECT_EQ(memo_text(std::string(68, '0')), std::nullopt);
  EXPECT_EQ(memo_text("0001"), std::nullopt);      // control character
  EXPECT_EQ(memo_text("610062"), std::nullopt);    // NUL inside
  EXPECT_EQ(memo_text("c328"), std::nullopt);      // bad UTF-8
  EXPECT_EQ(memo_text("c0af"), std::nullopt);      // overlong
  EXPECT_EQ(memo_text("eda080"), std::nullopt);    // surrogate
  EXPECT_EQ(memo_text("c285"), std::nullopt);      // C1 control
  EXPECT_EQ(memo_text("abc"), std::nullopt);       // odd hex
  EXPECT_EQ(memo_text("zz"), std::nullopt);
}

}  // namespace
}  // namespace fw::decode::stacks
