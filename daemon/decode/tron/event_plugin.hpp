// java-tron event-plugin triggers (wire-formats.md C) -> TRC-20 transfers and
// the chain facts a TRON events source needs (block numbers, solidification).
//
// The node serialises each trigger with Jackson (bean field names); a relay
// (Kafka or MongoDB consumer, ZeroMQ subscriber, ...) posts them to us. A
// body is ONE trigger object or a JSON ARRAY of them (docs/sources/tron.md).
//
//   contractEventTrigger / solidityEventTrigger
//     the log decoded by the node with the contract's ABI. The raw words
//     (rawData.topics / rawData.data) are preferred: exact uint256. Without
//     them, topicMap.from / topicMap.to (base58 "T...") and dataMap.value
//     (decimal; the node decodes words with a SIGNED BigInteger, so values
//     >= 2^255 arrive negative and are refused as bad_amount) are used, when
//     eventSignature is "Transfer(address,address,uint256)".
//   contractLogTrigger / solidityLogTrigger
//     the raw log: topicList + data (hex without 0x), or rawData.
//   Both: transactionId, uniqueId "<txid>_<index>" (the event index within
//   the transaction), contractAddress (base58), blockNumber, removed
//   (true: the log was revoked by a fork), latestSolidifiedBlockNumber, and
//   blockHash when the node sends it.
//   blockTrigger       blockNumber, blockHash, latestSolidifiedBlockNumber.
//   solidityTrigger    latestSolidifiedBlockNumber.
//   transactionTrigger block facts only (TRC-20 amounts are not in it).
//   anything else      kind other, kept with its triggerName.
//
// As for TronGrid (grid.hpp): only configured token contracts count (others:
// skip not_configured, counted in ignored_contracts, never a transfer);
// other events of a configured token are skip not_transfer; addresses are
// canonical base58check; tx_id is 64 lower-case hex without 0x; event_index
// and occurrence are the uniqueId's index; block_time from timeStamp (ms).
// A rawData.address that is not the contractAddress is refused.
//
// One trigger that does not decode is reported in `issues` and left out;
// the other triggers of the body still count. Whole-body errors: not JSON,
// neither an object nor an array.
//
// One PluginDecoder reuses one simdjson parser: NOT thread-safe. Pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/tron/error.hpp"
#include "decode/tron/grid.hpp"
#include "decode/tron/tokens.hpp"

namespace fw::decode::tron {

enum class TriggerKind : std::uint8_t {
  contract_event,  // contractEventTrigger
  contract_log,    // contractLogTrigger
  solidity_event,  // solidityEventTrigger: the event of a solidified block
  solidity_log,    // solidityLogTrigger
  block,           // blockTrigger
  solidity,        // solidityTrigger
  transaction,     // transactionTrigger
  other,
};

const char* to_string(TriggerKind k) noexcept;

// True for the kinds that carry one contract log.
constexpr bool is_contract(TriggerKind k) noexcept {
  return k == TriggerKind::contract_event || k == TriggerKind::contract_log || k == TriggerKind::solidity_event ||
         k == TriggerKind::solidity_log;
}
// True for the kinds the node sends only once the block is solidified.
constexpr bool is_solidified(TriggerKind k) noexcept {
  return k == TriggerKind::solidity_event || k == TriggerKind::solidity_log;
}

struct Trigger {
  TriggerKind kind = TriggerKind::other;
  std::string name;  // triggerName as sent (bounded)
  std::optional<std::uint64_t> block_number;
  std::string block_hash;  // lower-case hex without 0x, "" when not sent
  std::optional<std::uint64_t> latest_solidified;
  std::optional<std::int64_t> timestamp_ms;
  // Contract triggers only:
  bool removed = false;
  std::string tx_id;
  std::uint32_t event_index = 0;
  std::string contract;
  Skip skip = Skip::none;
  std::optional<Transfer> transfer;
};

struct TriggerBatch {
  std::vector<Trigger> triggers;      // in body order; triggers that decoded
  std::size_t ignored_contracts = 0;  // contract triggers of contracts that are not configured tokens
  std::size_t other_events = 0;       // configured tokens' events other than Transfer
};

class PluginDecoder {
 public:
  PluginDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name);
  ~PluginDecoder();
  PluginDecoder(PluginDecoder&&) noexcept;
  PluginDecoder& operator=(PluginDecoder&&) noexcept;

  Decoded<TriggerBatch> decode(std::string_view body);

  const TokenRegistry& tokens() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::decode::tron
