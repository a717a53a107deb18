#include "decode/tron/tokens.hpp"

#include "address/address.hpp"

namespace fw::decode::tron {

TokenInfo usdt() { return TokenInfo{"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6}; }

TokenRegistry TokenRegistry::defaults() {
  TokenRegistry r;
  r.add(usdt());
  return r;
}

std::optional<TokenRegistry> TokenRegistry::from_config(const std::vector<config::TokenConfig>& tokens,
                                                        std::string& error) {
  if (tokens.empty()) return defaults();
  TokenRegistry r;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    auto parsed = address::parse(Chain::tron, t.asset);
    if (!parsed) {
      error = "tokens[" + std::to_string(i) + "].asset '" + t.asset + "': not a TRON contract address: " + parsed.error;
      return std::nullopt;
    }
    r.add(TokenInfo{parsed->canonical, t.symbol, t.decimals});
  }
  return r;
}

void TokenRegistry::add(TokenInfo token) {
  for (auto& t : tokens_) {
    if (t.contract == token.contract) {
      t = std::move(token);
      return;
    }
  }
  tokens_.push_back(std::move(token));
}

const TokenInfo* TokenRegistry::find(std::string_view contract) const noexcept {
  for (const auto& t : tokens_)
    if (t.contract == contract) return &t;
  return nullptr;
}

}  // namespace fw::decode::tron
