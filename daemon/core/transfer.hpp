// The canonical, chain-agnostic transfer every decoder produces and the
// matcher consumes. Owned values only: decoders copy out of parser buffers
// once, here, at the decode boundary.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/amount.hpp"
#include "core/chain.hpp"

namespace fw {

struct Asset {
  // Empty for the chain's native coin (STX, ETH, TRX, BTC); otherwise the
  // token's canonical contract id: an EVM/TRON contract address, or a Stacks
  // asset identifier "SP...contract::asset-name".
  std::string contract;
  std::string symbol;       // "STX", "USDT"; may be empty for unknown tokens
  std::uint8_t decimals = 0;

  bool is_native() const noexcept { return contract.empty(); }
};

enum class TransferStatus : std::uint8_t {
  pending,    // seen in a mempool or as an uncredited deposit
  confirmed,  // included in a block / deposit credited
  final,      // deep enough not to be reorged
  retracted,  // removed by a reorg, dropped from the mempool, or a failed deposit
};

constexpr const char* to_string(TransferStatus s) noexcept {
  switch (s) {
    case TransferStatus::pending: return "pending";
    case TransferStatus::confirmed: return "confirmed";
    case TransferStatus::final: return "final";
    case TransferStatus::retracted: return "retracted";
  }
  return "unknown";
}

// Present only for transfers from the exchange's own deposit feed.
struct DepositInfo {
  std::string deposit_id;       // the exchange's id; status updates reuse it
  std::string account_id;       // the exchange's customer account
  std::string deposit_address;  // the exchange-controlled address credited
  bool credited = false;
};

struct Transfer {
  Chain chain = Chain::evm;
  Network network = Network::mainnet;
  std::string chain_name;  // "stacks", "ethereum", "bsc", "tron", "bitcoin": the configured chain name
  Asset asset;

  std::vector<std::string> senders;  // canonical addresses; Bitcoin may have many
  std::string recipient;             // canonical address
  Amount amount;                     // base units

  std::string tx_id;
  std::uint32_t event_index = 0;  // position of this transfer inside the tx
  std::optional<std::uint64_t> block_height;
  std::string block_hash;
  TransferStatus status = TransferStatus::pending;
  std::string memo;  // raw memo as received (hex for Stacks), may be empty
  std::optional<std::int64_t> block_time;  // unix seconds of the block, when the chain says

  // Lifecycle details, set by the chain sources' lifecycle tracker.
  std::string status_reason;  // why a transfer was retracted ("reorg: ...", "dropped: ReplaceByFee", ...)
  std::string replaced_by;    // a mempool drop by replacement: the replacing txid
  // How many earlier transfers in the same tx have the same asset, senders,
  // recipient and amount. Decoders set it; the alert id uses it instead of
  // event_index, so a mempool transfer and its block event share one id.
  std::uint32_t occurrence = 0;
  // 0 normally; +1 each time a transfer is confirmed again after a
  // retraction, so the later alerts get ids of their own.
  std::uint32_t revision = 0;

  std::string source;  // configured source name
  std::chrono::system_clock::time_point received_at{};

  std::optional<DepositInfo> deposit;

  std::string amount_decimal() const { return amount.to_decimal(asset.decimals); }
};

}  // namespace fw
