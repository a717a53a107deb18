// The ERC-20 tokens an EVM source watches: contract address -> symbol and
// decimals. Only these contracts' Transfer logs are subscribed to, fetched
// and decoded (a counterfeit "USDT" at another address emits the same event
// shape and is ignored).
//
// Which tokens: the configured ones (`tokens:` of the source); with none
// configured, Ethereum USDT and USDC (6 decimals each) when the chain is
// named "ethereum". Any other chain without configured tokens is a
// configuration error (there is no safe default: USDT on BSC has 18
// decimals, on Polygon another address).
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

namespace fw::decode::evm {

// keccak256("Transfer(address,address,uint256)"): topic 0 of every ERC-20
// (and ERC-721) Transfer log.
inline constexpr std::string_view kTransferTopic =
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

struct TokenInfo {
  std::string contract;  // canonical: "0x" + 40 lower-case hex
  std::string symbol;
  std::uint8_t decimals = 0;
};

class TokenRegistry {
 public:
  // Ethereum mainnet USDT 0xdac17f958d2ee523a2206206994597c13d831ec7 and
  // USDC 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48, 6 decimals each.
  static TokenRegistry ethereum_defaults();

  // The registry of a source (see the top of this file). nullopt + `error`
  // ("tokens[1].asset: bad checksum", "no tokens configured ...") when unusable.
  static std::optional<TokenRegistry> for_source(std::string_view chain_name,
                                                 const std::vector<config::TokenConfig>& configured,
                                                 std::string& error);

  // Adds `token` (contract in any case; a mixed-case address must be a valid
  // EIP-55 checksum), replacing an entry with the same contract. False +
  // `error` when the contract is not an EVM address.
  bool add(TokenInfo token, std::string& error);

  // The token at `contract` (canonical lower case), or nullptr.
  const TokenInfo* find(std::string_view contract) const noexcept;

  const std::vector<TokenInfo>& tokens() const noexcept { return tokens_; }
  bool empty() const noexcept { return tokens_.empty(); }

 private:
  std::vector<TokenInfo> tokens_;  // a handful: linear search is fastest
};

// The Asset of a token's transfers.
Asset token_asset(const TokenInfo& token);

// The chain's native coin (contract ""): ETH on ethereum, arbitrum,
// optimism, base, linea, scroll, zksync, blast and the Ethereum testnets;
// BNB on bsc; POL on polygon; AVAX on avalanche; xDAI on gnosis; "" (no
// symbol) elsewhere. Always 18 decimals.
Asset native_asset(std::string_view chain_name);

}  // namespace fw::decode::evm
