// stacks-node event observer bodies ([[events_observer]] POSTs) -> Transfers
// and chain events (wire-formats.md A2).
//
//   /new_block        header + confirmed transfers from stx_transfer_event and
//                     ft_transfer_event, skipping events with
//                     "committed": false and events of transactions whose
//                     status is not "success"; every txid in the block and the
//                     failed ones with their status.
//                     Burnchain transfer_stx operations need no special case:
//                     the node reports their effect as stx_transfer_event too.
//   /new_microblocks  the same event rules -> pending transfers (pre-2.5).
//   /new_mempool_tx   JSON array of raw tx hex -> pending transfers via SIP-005
//                     (sip005.hpp, transfers.hpp). A transaction that does not
//                     decode is reported in `issues`; the others still count.
//   /drop_mempool_tx  dropped txids (normalised to 0x + lower-case), reason,
//                     new_txid ("" when absent or null).
//   /new_burn_block   burn height and hash (informational).
//
// Transfers carry chain stacks, the decoder's network / chain_name / source,
// tx_id (0x + lower-case), the node's event_index, block height / index
// block hash / block time (blocks), memo (STX: hex without 0x as sent, "" if
// none) and occurrence (assign_occurrences). received_at is left for the
// caller. Addresses are canonical (address::parse); one that does not parse
// is kept as sent and reported in `issues` (so the other side of the
// transfer still matches). An event with a missing field or a bad amount is
// skipped and reported. Whole-body problems (not JSON, no height or hash)
// are the `error`.
//
// Threads and lifetime: one ObserverDecoder reuses one simdjson parser and is
// NOT thread-safe; use one per source. Results own their data. Pure: no
// clock, no logging, no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/transfer.hpp"
#include "decode/stacks/block.hpp"
#include "decode/stacks/error.hpp"
#include "decode/stacks/tokens.hpp"

namespace fw::decode::stacks {

enum class ObserverPath : std::uint8_t { new_block, new_microblocks, new_mempool_tx, drop_mempool_tx, new_burn_block, other };

// Exact match of the request path ("/new_block", ...); anything else is `other`.
ObserverPath observer_path(std::string_view path) noexcept;
// "new_block", ... "other" (a bounded label).
const char* to_string(ObserverPath p) noexcept;

struct NewBlock {
  BlockHeader header;
  std::vector<Transfer> transfers;                                 // status confirmed, event order
  std::vector<std::string> included_txids;                         // every tx in the block
  std::vector<std::pair<std::string, std::string>> failed_txids;   // (txid, status) of non-success txs
  std::uint64_t burn_block_height = 0;
};

struct NewMicroblocks {
  std::string parent_hash;  // parent_index_block_hash: the anchored block they extend
  std::vector<Transfer> transfers;  // status pending
  std::vector<std::string> txids;
  std::vector<std::pair<std::string, std::string>> failed_txids;
};

struct NewMempoolTxs {
  std::vector<Transfer> transfers;  // status pending
  std::vector<std::string> txids;   // every transaction that decoded
};

struct DroppedMempoolTxs {
  std::vector<std::string> txids;
  std::string reason;    // ReplaceByFee | ReplaceAcrossFork | TooExpensive | StaleGarbageCollect | ...
  std::string new_txid;  // the replacing tx (RBF), or ""
};

struct NewBurnBlock {
  std::uint64_t height = 0;
  std::string hash;
};

class ObserverDecoder {
 public:
  ObserverDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name = "stacks");
  ~ObserverDecoder();
  ObserverDecoder(ObserverDecoder&&) noexcept;
  ObserverDecoder& operator=(ObserverDecoder&&) noexcept;
  ObserverDecoder(const ObserverDecoder&) = delete;
  ObserverDecoder& operator=(const ObserverDecoder&) = delete;

  Decoded<NewBlock> new_block(std::string_view body);
  Decoded<NewMicroblocks> new_microblocks(std::string_view body);
  Decoded<NewMempoolTxs> new_mempool_tx(std::string_view body);
  Decoded<DroppedMempoolTxs> drop_mempool_tx(std::string_view body);
  Decoded<NewBurnBlock> new_burn_block(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::decode::stacks
