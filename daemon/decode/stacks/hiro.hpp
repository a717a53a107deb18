// Hiro Stacks Blockchain API JSON (wire-formats.md A1) -> chain events and
// Transfers, for the stacks_api source.
//
// Websocket (JSON-RPC 2.0 at /extended/v1/ws), ws_message():
//   {"method":"block","params":Block}        -> kind block: header + txids
//   {"method":"mempool","params":MempoolTx}  -> kind mempool: pending transfers
//   {"id":N,"result":...} / {"id":N,"error":{code,message}} -> kind response
//   any other notification (tx_update, ...)  -> kind other (method kept)
// Pending transfers from a MempoolTransaction: token_transfer (sender_address,
// recipient_address, amount, memo "0x.." kept as hex without "0x") and
// SIP-010 `transfer` contract calls (transfers.hpp rules) whose arguments are
// decoded from each function_arg's `hex` (Clarity serialization), with
// `repr` ("u123", "'SP...", "none", "(some 0x..)") only as the fallback.
//
// REST:
//   GET /extended/v2/blocks/{height}            -> rest_block
//   GET /extended/v2/blocks?limit=N             -> rest_blocks (results[])
//   GET /extended/v2/blocks/{h}/transactions    -> rest_block_transactions (one page)
//   GET /extended/v1/tx/events?tx_id=X          -> rest_tx_events (one page): events
//       stx_asset / fungible_token_asset with asset.asset_event_type
//       "transfer" -> confirmed transfers stamped with the given block; the
//       caller asks only for transactions whose tx_status is "success".
//   GET /extended/v1/tx/mempool                 -> rest_mempool (results[])
// An API error object ({"error": "...", "message": ...}) gives rest_error.
//
// Block identity (block.hpp): hash = index_block_hash when present, else
// `hash`; parent = parent_index_block_hash when present, else
// parent_block_hash. Same Transfer conventions and issue/error contract as
// observer.hpp. One HiroDecoder reuses one simdjson parser: NOT
// thread-safe, one per source. Pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/stacks/block.hpp"
#include "decode/stacks/error.hpp"
#include "decode/stacks/tokens.hpp"

namespace fw::decode::stacks {

struct HiroBlock {
  BlockHeader header;
  bool canonical = true;
  std::optional<std::uint64_t> tx_count;
  std::vector<std::string> txids;  // `txs`, when the object lists them
};

struct HiroTx {
  std::string tx_id;
  std::string tx_status;  // success | abort_by_response | abort_by_post_condition | pending | dropped_* ...
  std::string tx_type;    // token_transfer | contract_call | coinbase | ...
  std::uint64_t event_count = 0;
};

struct HiroTxPage {
  std::uint64_t total = 0;
  std::uint64_t limit = 0;
  std::uint64_t offset = 0;
  std::vector<HiroTx> txs;
};

struct HiroEventPage {
  std::uint64_t limit = 0;
  std::uint64_t offset = 0;
  std::size_t event_count = 0;      // entries in this page, of every type (a short page is the last)
  std::vector<Transfer> transfers;  // status confirmed
};

struct HiroMempool {
  std::uint64_t total = 0;
  std::vector<std::string> txids;
  std::vector<Transfer> transfers;  // status pending
};

struct WsMessage {
  enum class Kind : std::uint8_t { block, mempool, response, other };
  Kind kind = Kind::other;
  std::string method;              // notifications: "block", "mempool", "tx_update", ...
  std::optional<std::int64_t> id;  // responses: the request id, when a number
  bool is_error = false;           // a response carrying "error"
  std::string error_message;       // "-32602: invalid address"
  HiroBlock block;                 // kind block
  std::string txid;                // kind mempool
  std::string tx_status;           // kind mempool: "pending", or "dropped_..." when the API says so
  std::vector<Transfer> transfers; // kind mempool: pending transfers (may be empty)
};

class HiroDecoder {
 public:
  HiroDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name = "stacks");
  ~HiroDecoder();
  HiroDecoder(HiroDecoder&&) noexcept;
  HiroDecoder& operator=(HiroDecoder&&) noexcept;
  HiroDecoder(const HiroDecoder&) = delete;
  HiroDecoder& operator=(const HiroDecoder&) = delete;

  Decoded<WsMessage> ws_message(std::string_view frame);

  Decoded<HiroBlock> rest_block(std::string_view body);
  Decoded<std::vector<HiroBlock>> rest_blocks(std::string_view body);
  Decoded<HiroTxPage> rest_block_transactions(std::string_view body);
  Decoded<HiroEventPage> rest_tx_events(std::string_view body, const BlockHeader& block);
  Decoded<HiroMempool> rest_mempool(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::decode::stacks
