#include "decode/stacks/tokens.hpp"

namespace fw::decode::stacks {

TokenRegistry TokenRegistry::defaults() {
  // wire-formats.md A4. Decimals marked GUESS there (USDh, ALEX, aBTC) are
  // what the token lists use; configuration overrides any of them.
  TokenRegistry r;
  r.add({"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token::sbtc-token", "sBTC", 8});
  r.add({"SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC", "aeUSDC", 6});
  r.add({"SP120SBRBQJ00MCWS7TM5R8WJNTTKD5K0HFRC2CNE.usdcx::usdcx-token", "USDCx", 6});
  r.add({"SP2XD7417HGPRTREMKF748VNEQPDRR0RMANB7X1NK.token-susdt::bridged-usdt", "sUSDT", 8});
  r.add({"SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.token-susdt::bridged-usdt", "sUSDT", 8});
  r.add({"SP2C2YFP12AJZB4MABJBAJ55XECVS7E4PMMZ89YZR.usda-token::usda", "USDA", 6});
  r.add({"SPN5AKG35QZSK2M8GAMR4AFX45659RJHDW353HSG.usdh-token-v1::usdh", "USDh", 8});
  r.add({"SP102V8P0F7JX67ARQ77WEA3D3CFB5XW39REDT0AM.token-alex::alex", "ALEX", 8});
  r.add({"SP2XD7417HGPRTREMKF748VNEQPDRR0RMANB7X1NK.token-abtc::bridged-btc", "aBTC", 8});
  return r;
}

void TokenRegistry::add(TokenInfo token) {
  for (auto& t : tokens_) {
    if (t.asset == token.asset) {
      t = std::move(token);
      return;
    }
  }
  tokens_.push_back(std::move(token));
}

const TokenInfo* TokenRegistry::find(std::string_view asset_identifier) const noexcept {
  for (const auto& t : tokens_)
    if (t.asset == asset_identifier) return &t;
  return nullptr;
}

const TokenInfo* TokenRegistry::find_by_contract(std::string_view contract) const noexcept {
  for (const auto& t : tokens_)
    if (asset_contract(t.asset) == contract) return &t;
  return nullptr;
}

Asset TokenRegistry::asset(std::string_view asset_identifier) const {
  if (const TokenInfo* t = find(asset_identifier)) return Asset{t->asset, t->symbol, t->decimals};
  return Asset{std::string(asset_identifier), "", 0};
}

Asset stx_asset() { return Asset{"", "STX", 6}; }

std::string_view asset_contract(std::string_view asset_identifier) noexcept {
  return asset_identifier.substr(0, asset_identifier.find("::"));
}

}  // namespace fw::decode::stacks
