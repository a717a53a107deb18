// The ERC-20 `Transfer(address indexed from, address indexed to, uint256
// value)` log, read from its raw words: the one place that knows the topic
// hash and the word layout, for every decoder that sees raw logs (EVM
// eth_getLogs / subscriptions, java-tron contractLogTrigger / rawData).
//
//   topics[0] = keccak256("Transfer(address,address,uint256)")
//   topics[1] = from, topics[2] = to: 32-byte words, the address in the last
//               20 bytes and 12 zero bytes before it
//   data      = value: one 32-byte big-endian uint256
// Hex may carry "0x" or not, in either case (java-tron sends it bare).
//
// Pure; no allocation beyond the result.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/amount.hpp"

namespace fw::decode::erc20 {

// keccak256("Transfer(address,address,uint256)"), lower-case hex without 0x.
inline constexpr std::string_view transfer_topic =
    "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

// True when `topic0` (with or without 0x, any case) is the Transfer topic.
bool is_transfer_topic(std::string_view topic0) noexcept;

struct TransferLog {
  std::array<std::uint8_t, 20> from{};
  std::array<std::uint8_t, 20> to{};
  Amount value;
};

struct TransferLogResult {
  std::optional<TransferLog> log;
  // Empty with a log. Otherwise why not: "not a Transfer event" (topic0
  // differs: not an error for a caller that sees every log), or a refusal
  // of a Transfer-topic log whose shape is not ERC-20's ("4 topics, expected
  // 3 (an ERC-721 Transfer has the token id as a third indexed topic)",
  // "data is 64 bytes, expected 32", "topics[1] is not an address word").
  std::string error;
  bool not_transfer = false;  // topic0 is not the Transfer topic (or there is no topic)
};

TransferLogResult decode_transfer_log(std::span<const std::string_view> topics, std::string_view data);

}  // namespace fw::decode::erc20
