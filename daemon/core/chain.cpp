#include "core/chain.hpp"

namespace fw {

std::optional<Chain> chain_from_string(std::string_view s) noexcept {
  if (s == "stacks" || s == "stx") return Chain::stacks;
  if (s == "evm" || s == "eth" || s == "ethereum") return Chain::evm;
  if (s == "tron" || s == "trx") return Chain::tron;
  if (s == "bitcoin" || s == "btc") return Chain::bitcoin;
  return std::nullopt;
}

std::optional<Network> network_from_string(std::string_view s) noexcept {
  if (s == "mainnet") return Network::mainnet;
  if (s == "testnet") return Network::testnet;
  return std::nullopt;
}

}  // namespace fw
