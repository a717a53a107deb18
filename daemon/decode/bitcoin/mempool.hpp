// mempool.space websocket frames (wire-formats.md D) -> Bitcoin chain events
// and Transfers, for the mempool_space source.
//
// A server frame is one JSON object whose keys are message types; several
// can arrive in one frame (a new block comes as `block` + the tracked
// addresses' confirmed transactions + `mempool-blocks` + ...). message()
// reads the keys that matter and ignores the rest:
//   "block": {id, height, previousblockhash, timestamp}    -> Message::block
//   "blocks": [block...] (after `want`, and after a reorg) -> Message::blocks (ascending height)
//   "multi-address-transactions": {"<address as sent>": {mempool:[tx], confirmed:[tx], removed:[tx]}}
//   "address-transactions": [tx]          (single track-address: new in the mempool)
//   "block-transactions": [tx]            (single track-address: confirmed in the new block)
//   "address-removed-transactions": [tx]  (single track-address: gone from the mempool)
//   "track-addresses-error" / "track-address-error": "<text>" -> Message::track_error
//   "pong": true                          -> Message::pong
// A transaction listed under several addresses (it touches more than one
// tracked address) appears once per list. A "mempool" transaction whose
// status says confirmed is put in `confirmed`.
//
// Transactions (esplora format, as also served by GET /api/tx/:txid):
//   one Transfer per output that names an address or carries value:
//     recipient = the output's scriptpubkey_address, canonical (bech32 lower
//                 case, base58 as is; "" for outputs without an address,
//                 e.g. bare P2PK or non-standard scripts that carry value),
//     senders   = the distinct canonical prevout addresses of every input,
//                 in input order (a coinbase input has none),
//     amount    = the output's value in satoshis (exact; BTC, 8 decimals),
//     event_index = the output index, occurrence = how many earlier outputs
//                 of the tx have the same recipient and amount.
//   OP_RETURN and other address-less outputs of value 0 move nothing: no
//   Transfer. Status: confirmed (block_height, block_hash, block_time from
//   tx.status) when tx.status.confirmed is true, else pending. tx_id and
//   block hashes are 64 lower-case hex digits (Bitcoin's usual spelling, no
//   "0x"). Unknown keys (order, vsize, firstSeen, ancestors, ...) are ignored.
//
// Errors and issues (error.hpp): a frame that is not JSON or not an object
// is an error (nothing usable). A transaction that cannot be used (no txid,
// no vin/vout arrays, a value that is not a whole number of satoshis) is an
// issue and skipped; the other transactions of the frame still count. An
// address that does not parse is an issue and kept as sent. A bad
// `block`/`blocks` entry is an issue and left out.
//
// One MempoolDecoder reuses one simdjson parser: NOT thread-safe, one per
// source. Pure: no clocks, no I/O, no logging.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/bitcoin/error.hpp"

namespace fw::decode::bitcoin {

inline constexpr std::uint8_t kBtcDecimals = 8;
inline constexpr std::string_view kBtcSymbol = "BTC";

struct BlockHeader {
  std::uint64_t height = 0;
  std::string hash;         // `id`, 64 lower-case hex
  std::string parent_hash;  // `previousblockhash`; "" for the genesis block
  std::optional<std::int64_t> time;  // `timestamp`, unix seconds

  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct TxStatus {
  bool confirmed = false;
  std::optional<std::uint64_t> block_height;
  std::string block_hash;  // "" when not confirmed (or not said)
  std::optional<std::int64_t> block_time;
};

struct Tx {
  std::string txid;  // 64 lower-case hex
  TxStatus status;
  std::vector<std::string> senders;  // distinct canonical input addresses, input order
  std::vector<Transfer> transfers;   // see above; status pending or confirmed
};

struct Message {
  std::optional<BlockHeader> block;
  std::vector<BlockHeader> blocks;  // ascending height
  std::vector<Tx> mempool;
  std::vector<Tx> confirmed;
  std::vector<Tx> removed;
  std::optional<std::string> track_error;
  bool pong = false;

  bool has_transactions() const noexcept { return !mempool.empty() || !confirmed.empty() || !removed.empty(); }
};

struct DecoderOptions {
  Network network = Network::mainnet;
  std::string source;                 // Transfer::source
  std::string chain_name = "bitcoin"; // Transfer::chain_name
};

class MempoolDecoder {
 public:
  explicit MempoolDecoder(DecoderOptions options);
  ~MempoolDecoder();
  MempoolDecoder(const MempoolDecoder&) = delete;
  MempoolDecoder& operator=(const MempoolDecoder&) = delete;

  // One websocket text frame.
  Decoded<Message> message(std::string_view frame);
  // One transaction object (REST GET /api/tx/:txid, or a fixture). A
  // transaction that cannot be used is an error here.
  Decoded<Tx> transaction(std::string_view json);

  const DecoderOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A printable excerpt of `text` for details: at most `max` (4..120)
// characters including a trailing "..." when cut; other bytes as '?'.
std::string excerpt(std::string_view text, std::size_t max = 60);

}  // namespace fw::decode::bitcoin
