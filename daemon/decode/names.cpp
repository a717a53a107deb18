#include "decode/names.hpp"

namespace fw::decode {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

namespace {

struct ChainAlias {
  std::string_view alias;
  Chain chain;
  std::string_view name;
};

// Keep in sync with the table in docs/deposit-events.md.
constexpr ChainAlias chain_aliases[] = {
    {"stacks", Chain::stacks, "stacks"},     {"stx", Chain::stacks, "stacks"},
    {"bitcoin", Chain::bitcoin, "bitcoin"},  {"btc", Chain::bitcoin, "bitcoin"},
    {"tron", Chain::tron, "tron"},           {"trx", Chain::tron, "tron"},
    {"trc20", Chain::tron, "tron"},
    {"ethereum", Chain::evm, "ethereum"},    {"eth", Chain::evm, "ethereum"},
    {"erc20", Chain::evm, "ethereum"},
    {"evm", Chain::evm, "evm"},
    {"bsc", Chain::evm, "bsc"},              {"bep20", Chain::evm, "bsc"},
    {"bnb", Chain::evm, "bsc"},
    {"arbitrum", Chain::evm, "arbitrum"},    {"arb", Chain::evm, "arbitrum"},
    {"polygon", Chain::evm, "polygon"},      {"matic", Chain::evm, "polygon"},
    {"optimism", Chain::evm, "optimism"},    {"op", Chain::evm, "optimism"},
    {"base", Chain::evm, "base"},
    {"avalanche", Chain::evm, "avalanche"},  {"avax", Chain::evm, "avalanche"},
    {"avaxc", Chain::evm, "avalanche"},
};

struct StatusAlias {
  std::string_view alias;
  DepositStatus status;
};

constexpr StatusAlias status_aliases[] = {
    {"pending", DepositStatus::pending},      {"processing", DepositStatus::pending},
    {"confirming", DepositStatus::pending},   {"unconfirmed", DepositStatus::pending},
    {"confirmed", DepositStatus::confirmed},
    {"credited", DepositStatus::credited},    {"completed", DepositStatus::credited},
    {"success", DepositStatus::credited},
    {"failed", DepositStatus::failed},        {"rejected", DepositStatus::failed},
    {"cancelled", DepositStatus::cancelled},  {"canceled", DepositStatus::cancelled},
};

struct KnownAsset {
  std::string_view chain_name;  // "" = any chain of that address family
  Chain chain;
  std::string_view symbol;
  std::uint8_t decimals;
};

// First match wins, so chain-specific rows come before the family-wide ones.
// USDT and USDC on BSC are Binance-bridged tokens with 18 decimals.
constexpr KnownAsset known_assets[] = {
    {"bsc", Chain::evm, "USDT", 18},   {"bsc", Chain::evm, "USDC", 18},
    {"bsc", Chain::evm, "BNB", 18},    {"polygon", Chain::evm, "POL", 18},
    {"polygon", Chain::evm, "MATIC", 18}, {"avalanche", Chain::evm, "AVAX", 18},
    {"", Chain::evm, "ETH", 18},       {"", Chain::evm, "USDT", 6},
    {"", Chain::evm, "USDC", 6},
    {"", Chain::tron, "TRX", 6},       {"", Chain::tron, "USDT", 6},
    {"", Chain::tron, "USDC", 6},
    {"", Chain::stacks, "STX", 6},
    {"", Chain::bitcoin, "BTC", 8},
};

}  // namespace

std::optional<ChainName> chain_from_name(std::string_view text) noexcept {
  for (const auto& a : chain_aliases)
    if (iequals(text, a.alias)) return ChainName{a.chain, a.name};
  return std::nullopt;
}

const char* to_string(DepositStatus s) noexcept {
  switch (s) {
    case DepositStatus::pending: return "pending";
    case DepositStatus::confirmed: return "confirmed";
    case DepositStatus::credited: return "credited";
    case DepositStatus::failed: return "failed";
    case DepositStatus::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<DepositStatus> deposit_status_from_name(std::string_view text) noexcept {
  for (const auto& a : status_aliases)
    if (iequals(text, a.alias)) return a.status;
  return std::nullopt;
}

std::optional<Network> network_from_name(std::string_view text) noexcept {
  if (iequals(text, "mainnet") || iequals(text, "main")) return Network::mainnet;
  if (iequals(text, "testnet") || iequals(text, "test")) return Network::testnet;
  return std::nullopt;
}

std::optional<std::uint8_t> default_decimals(std::string_view chain_name, std::string_view symbol) noexcept {
  auto chain = chain_from_name(chain_name);
  if (!chain) return std::nullopt;
  for (const auto& k : known_assets) {
    if (k.chain != chain->chain || !iequals(symbol, k.symbol)) continue;
    if (!k.chain_name.empty() && k.chain_name != chain->name) continue;
    return k.decimals;
  }
  return std::nullopt;
}

}  // namespace fw::decode
