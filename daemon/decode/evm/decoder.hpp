// EVM JSON-RPC values -> canonical Transfers and block headers
// (wire-formats.md B). Pure: no I/O, no clock, no logging.
//
// Input is the JSON text of one value: the `params` of an eth_subscription
// notification, or the `result` of a response (eth_getLogs,
// eth_getBlockByNumber / ByHash, eth_getBlockReceipts, eth_chainId, ...).
// Quantities are hex strings; hashes and addresses are normalised to lower
// case.
//
// ERC-20 Transfer logs (topic0 = kTransferTopic):
//   from = last 20 bytes of topics[1], to = of topics[2], value = the single
//   32-byte word in `data` (uint256, exact). Logs of contracts that are not
//   in the TokenRegistry, and logs of other events, are ignored (counted,
//   not errors: a node may ignore the address filter). A Transfer log of a
//   listed token with other than 3 topics (an ERC-721 Transfer has 4) or
//   `data` other than one 32-byte word is refused with a bad_field problem;
//   a topic whose upper 12 bytes are not zero is a bad_address.
//   Transfer fields: chain evm, chain_name, network, asset (the token),
//   senders {from}, recipient to, amount, tx_id (transactionHash),
//   event_index (logIndex), block_height, block_hash, block_time
//   (`blockTimestamp` when the node sends it), status confirmed (retracted
//   when `removed` is true), source. occurrence is set over a getLogs
//   answer (see assign_occurrences).
// Native-coin transfers (optional, from full blocks): every transaction with
//   value > 0 and a `to` (not a contract creation): senders {from},
//   recipient to, amount value (wei), asset native_asset(chain_name),
//   event_index = transactionIndex. Whether it succeeded is the receipts'
//   business (receipts()).
//
// Thread: a Decoder reuses one parser; use it from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/evm/error.hpp"
#include "decode/evm/tokens.hpp"

namespace fw::decode::evm {

struct BlockHeader {
  std::uint64_t number = 0;
  std::string hash;         // "0x" + 64 lower-case hex
  std::string parent_hash;  // "0x" + 64 lower-case hex
  std::optional<std::int64_t> timestamp;  // unix seconds
  std::vector<std::uint8_t> logs_bloom;   // 256 bytes, or empty when absent / malformed
};

// A decoded eth_subscription notification.
struct Notification {
  enum class Kind : std::uint8_t {
    new_head,  // `header` is set
    log,       // a Transfer log of a listed token: `log`, `removed`
    other,     // anything else (another event, another contract, an unknown shape)
  };
  Kind kind = Kind::other;
  std::string subscription;
  BlockHeader header;
  Transfer log;          // block_height / block_hash say which block the log was (or no longer is) in
  bool removed = false;  // the log's block left the canonical chain
};

struct LogBatch {
  std::vector<Transfer> transfers;  // sorted by (block_height, event_index); occurrences set
  std::size_t ignored = 0;          // logs of other contracts or other events
  std::size_t removed = 0;          // logs flagged removed (skipped; getLogs should not return them)
};

struct FullBlock {
  BlockHeader header;
  std::vector<std::string> tx_hashes;  // every transaction, in block order
  std::vector<Transfer> native;        // value transfers (see above), in block order
};

struct Receipt {
  std::string tx_hash;
  bool success = true;  // status "0x1"; pre-Byzantium receipts (no status) count as success
};

class Decoder {
 public:
  Decoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name);
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  const TokenRegistry& tokens() const noexcept;

  // `params` of an eth_subscription message: {"subscription": "0x..", "result": {...}}.
  // A result with "topics" is a log, one with "parentHash" a header. A log
  // of a listed token that does not decode is an error (kind log).
  Decoded<Notification> notification(std::string_view params_json);

  // An eth_getLogs result (array). Logs that do not decode are issues and
  // skipped; the others are returned.
  Decoded<LogBatch> logs(std::string_view result_json);

  // An eth_getBlockBy* result (transactions as hashes or objects are both
  // fine); null -> nullopt (no such block).
  Decoded<std::optional<BlockHeader>> header(std::string_view result_json);

  // An eth_getBlockBy*(..., true) result with transaction objects; null ->
  // nullopt. A transaction that does not decode is an issue and skipped.
  Decoded<std::optional<FullBlock>> full_block(std::string_view result_json);

  // An eth_getBlockReceipts result (array) or one eth_getTransactionReceipt
  // result (object); null -> empty.
  Decoded<std::vector<Receipt>> receipts(std::string_view result_json);

  // A quantity result ("0x7a69"): eth_chainId, eth_blockNumber.
  Decoded<std::uint64_t> quantity(std::string_view result_json);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Sets Transfer::occurrence: how many earlier transfers in `transfers` have
// the same (tx_id, asset.contract, senders, recipient, amount).
void assign_occurrences(std::vector<Transfer>& transfers);

// False only when the block's logsBloom proves that it holds no Transfer log
// of any listed token (the Transfer topic, or every token address, is
// absent). True when the bloom is missing: fetch to be sure.
bool bloom_may_contain(const std::vector<std::uint8_t>& logs_bloom, const TokenRegistry& tokens);

// The filter members for eth_subscribe("logs") and eth_getLogs:
// "address":["0x..",...],"topics":["0xddf2..."] (no braces, so a caller adds
// fromBlock/toBlock or blockHash).
std::string logs_filter_members(const TokenRegistry& tokens);

// "0x1a" for 26 (JSON-RPC quantity encoding, no leading zeros).
std::string to_quantity(std::uint64_t v);

}  // namespace fw::decode::evm
