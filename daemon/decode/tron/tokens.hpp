// The TRC-20 tokens a TRON source watches: contract -> symbol and decimals.
//
// This is an allow-list, not just a display table: ONLY events emitted by a
// contract listed here become transfers. Anyone can deploy a contract that
// emits an identical `Transfer` event ("counterfeit USDT", wire-formats.md
// C); the decoders count such events as ignored and never alert on them.
//
// With no configured tokens the list is USDT alone
// (TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, 6 decimals). Configured tokens
// REPLACE that default (list USDT too if you want it with others).
//
// Immutable after set-up; reads are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/transfer.hpp"

namespace fw::decode::tron {

struct TokenInfo {
  std::string contract;  // canonical base58check "T..."
  std::string symbol;
  std::uint8_t decimals = 0;
};

// Tether USD on TRON mainnet.
TokenInfo usdt();

class TokenRegistry {
 public:
  // USDT only.
  static TokenRegistry defaults();
  // The configured tokens (`asset` in any TRON spelling: base58 "T...",
  // "41"+40 hex, "0x"+40 hex), or defaults() when there are none. nullopt +
  // `error` ("tokens[1].asset 'TXYZ': bad checksum") when one does not parse.
  static std::optional<TokenRegistry> from_config(const std::vector<config::TokenConfig>& tokens,
                                                  std::string& error);

  // Adds `token` (contract already canonical), replacing one with the same contract.
  void add(TokenInfo token);

  // By canonical contract address; nullptr when the contract is not watched.
  const TokenInfo* find(std::string_view contract) const noexcept;
  Asset asset(const TokenInfo& token) const { return Asset{token.contract, token.symbol, token.decimals}; }

  const std::vector<TokenInfo>& tokens() const noexcept { return tokens_; }

 private:
  std::vector<TokenInfo> tokens_;  // a handful: linear search is fastest
};

}  // namespace fw::decode::tron
