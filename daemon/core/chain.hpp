// Chains and networks freezewatch understands. Vocabulary only: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fw {

// The address family a transfer lives on. EVM covers every EVM chain
// (Ethereum, BSC, Arbitrum, ...); which one is named by Transfer::chain_name.
enum class Chain : std::uint8_t { stacks, evm, tron, bitcoin };
inline constexpr Chain all_chains[] = {Chain::stacks, Chain::evm, Chain::tron, Chain::bitcoin};

enum class Network : std::uint8_t { mainnet, testnet };

constexpr std::string_view to_string(Chain c) noexcept {
  switch (c) {
    case Chain::stacks: return "stacks";
    case Chain::evm: return "evm";
    case Chain::tron: return "tron";
    case Chain::bitcoin: return "bitcoin";
  }
  return "unknown";
}

constexpr std::string_view to_string(Network n) noexcept {
  return n == Network::mainnet ? "mainnet" : "testnet";
}

// Accepts the canonical names above plus common aliases ("stx", "eth",
// "ethereum", "trx", "btc"). Case-sensitive lower-case input.
std::optional<Chain> chain_from_string(std::string_view s) noexcept;
std::optional<Network> network_from_string(std::string_view s) noexcept;

}  // namespace fw
