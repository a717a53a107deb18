// Known Stacks fungible tokens (SIP-010): asset identifier -> symbol and
// decimals, so alerts can show display amounts. Defaults come from
// docs/reference (wire-formats.md A4); configuration adds or overrides.
// Unknown tokens are still matched: asset() then gives the identifier with
// no symbol and 0 decimals (amounts stay in raw base units).
//
// Immutable after set-up; reads are thread-safe. Lookups are exact and
// case-sensitive (asset names are case-sensitive on chain).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"

namespace fw::decode::stacks {

struct TokenInfo {
  std::string asset;  // asset identifier "SP....contract-name::asset-name"
  std::string symbol;
  std::uint8_t decimals = 0;
};

class TokenRegistry {
 public:
  // sBTC, aeUSDC, USDCx, sUSDT (both deployers), USDA, USDh, ALEX, aBTC.
  static TokenRegistry defaults();

  // Adds `token`, replacing an entry with the same asset identifier.
  void add(TokenInfo token);

  const TokenInfo* find(std::string_view asset_identifier) const noexcept;
  // The first token whose contract principal ("SP....contract-name", the part
  // before "::") is `contract`, or nullptr.
  const TokenInfo* find_by_contract(std::string_view contract) const noexcept;

  // Asset for a transfer: known -> {id, symbol, decimals}; unknown -> {id, "", 0}.
  Asset asset(std::string_view asset_identifier) const;

  const std::vector<TokenInfo>& tokens() const noexcept { return tokens_; }

 private:
  std::vector<TokenInfo> tokens_;  // a few dozen at most: linear search is fastest
};

// The native coin: Asset{"", "STX", 6}.
Asset stx_asset();

// The contract principal of an asset identifier ("SP...c::a" -> "SP...c"),
// or the whole text when it has no "::".
std::string_view asset_contract(std::string_view asset_identifier) noexcept;

}  // namespace fw::decode::stacks
