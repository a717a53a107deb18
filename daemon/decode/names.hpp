// The value vocabulary of deposit events: chain names, statuses, networks and
// the built-in asset decimals (tables in docs/deposit-events.md).
// Every lookup is ASCII case-insensitive ("TRON", "Tron", "tron"), so an
// exchange's own spellings work without a value mapping. Pure, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/chain.hpp"

namespace fw::decode {

// An address family plus the canonical chain name (Transfer::chain_name):
// "ethereum", "bsc", "arbitrum", "polygon", "optimism", "base", "avalanche",
// "evm", "stacks", "tron", "bitcoin".
struct ChainName {
  Chain chain = Chain::evm;
  std::string_view name;  // static storage
};

// "ethereum", "eth", "erc20" -> {evm, "ethereum"}; "trc20" -> {tron, "tron"}; ...
std::optional<ChainName> chain_from_name(std::string_view text) noexcept;

enum class DepositStatus : std::uint8_t { pending, confirmed, credited, failed, cancelled };
const char* to_string(DepositStatus s) noexcept;

// "pending", "PROCESSING", "credited", "completed", "canceled", ...
std::optional<DepositStatus> deposit_status_from_name(std::string_view text) noexcept;

// "mainnet"/"main", "testnet"/"test".
std::optional<Network> network_from_name(std::string_view text) noexcept;

// Decimals of well-known assets by (chain name, symbol), used when an event
// carries no asset_decimals: STX 6, BTC 8, ETH 18, TRX 6, USDT/USDC 6, but
// USDT/USDC on BSC 18. nullopt for anything else.
std::optional<std::uint8_t> default_decimals(std::string_view chain_name, std::string_view symbol) noexcept;

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace fw::decode
