#include "decode/evm/tokens.hpp"

#include <algorithm>
#include <utility>

#include "address/address.hpp"

namespace fw::decode::evm {

TokenRegistry TokenRegistry::ethereum_defaults() {
  TokenRegistry r;
  r.tokens_ = {
      {"0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6},
      {"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "USDC", 6},
  };
  return r;
}

std::optional<TokenRegistry> TokenRegistry::for_source(std::string_view chain_name,
                                                       const std::vector<config::TokenConfig>& configured,
                                                       std::string& error) {
  if (configured.empty()) {
    if (chain_name == "ethereum") return ethereum_defaults();
    error = "no tokens configured: list the ERC-20 contracts to watch under `tokens` (only chain_name "
            "ethereum has defaults, USDT and USDC)";
    return std::nullopt;
  }
  TokenRegistry r;
  for (std::size_t i = 0; i < configured.size(); ++i) {
    const auto& t = configured[i];
    std::string why;
    if (!r.add({t.asset, t.symbol, t.decimals}, why)) {
      error = "tokens[" + std::to_string(i) + "].asset: " + why;
      return std::nullopt;
    }
  }
  return r;
}

bool TokenRegistry::add(TokenInfo token, std::string& error) {
  auto parsed = address::parse(Chain::evm, token.contract);
  if (!parsed) {
    error = "\"" + token.contract + "\" is not an EVM contract address (" + parsed.error + ")";
    return false;
  }
  token.contract = parsed->canonical;
  auto it = std::find_if(tokens_.begin(), tokens_.end(), [&](const TokenInfo& t) { return t.contract == token.contract; });
  if (it != tokens_.end())
    *it = std::move(token);
  else
    tokens_.push_back(std::move(token));
  return true;
}

const TokenInfo* TokenRegistry::find(std::string_view contract) const noexcept {
  for (const auto& t : tokens_)
    if (t.contract == contract) return &t;
  return nullptr;
}

Asset token_asset(const TokenInfo& token) { return Asset{token.contract, token.symbol, token.decimals}; }

Asset native_asset(std::string_view chain_name) {
  struct Native {
    std::string_view chain;
    std::string_view symbol;
  };
  static constexpr Native kNatives[] = {
      {"ethereum", "ETH"}, {"sepolia", "ETH"},  {"holesky", "ETH"},    {"hoodi", "ETH"},   {"arbitrum", "ETH"},
      {"optimism", "ETH"}, {"base", "ETH"},     {"linea", "ETH"},      {"scroll", "ETH"},  {"zksync", "ETH"},
      {"blast", "ETH"},    {"bsc", "BNB"},      {"polygon", "POL"},    {"avalanche", "AVAX"},
      {"gnosis", "xDAI"},
  };
  for (const auto& n : kNatives)
    if (n.chain == chain_name) return Asset{"", std::string(n.symbol), 18};
  return Asset{"", "", 18};
}

}  // namespace fw::decode::evm
