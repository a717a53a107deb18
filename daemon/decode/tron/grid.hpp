// TronGrid v1 contract events (wire-formats.md C) -> TRC-20 transfers.
//
//   GET /v1/contracts/{contract}/events?event_name=Transfer&... answers
//   {"data":[{block_number, block_timestamp (ms), contract_address (T...),
//             event_index (within the tx), event_name, transaction_id (hex),
//             result {from, to, value | "0","1","2"}, ...}, ...],
//    "success": true, "meta": {"fingerprint": "...", "page_size": N, ...}}
//
// Per event:
//   - its position (block_number, block_timestamp, transaction_id,
//     event_index) must decode, else the event is reported in `issues` and
//     left out (it cannot be placed in a cursor);
//   - contract_address must be a configured token (TokenRegistry): events of
//     any other contract -- a counterfeit USDT emits the same shape -- are
//     kept with skip = not_configured and counted in ignored_contracts;
//   - event_name must be "Transfer" (else skip = not_transfer, counted in
//     other_events);
//   - from / to come as "0x" + 20-byte hex (no 41 prefix): converted to
//     base58check "T..."; the named keys are used when present, else the
//     positional "0" / "1" / "2" (ABI parameter names vary between tokens);
//   - value is a decimal string, uint256 (exact, never a double).
//   A Transfer whose fields do not decode is reported and kept with
//   skip = undecodable, so the caller's cursor still moves past it.
//
// Transfers: chain tron, the decoder's network / chain_name / source,
// tx_id = 64 lower-case hex digits without 0x (as TRON explorers show it),
// event_index and occurrence = the event index (see ledger.hpp for why),
// block_height, block_time (seconds), block_hash "" (TronGrid does not say),
// status confirmed (the caller sets the stage), asset from the registry.
//
// One GridDecoder reuses one simdjson parser: NOT thread-safe, use one per
// source. Results own their data. Pure: no clock, no logging, no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/tron/error.hpp"
#include "decode/tron/tokens.hpp"

namespace fw::decode::tron {

// Why an event did not become a transfer.
enum class Skip : std::uint8_t {
  none,            // `transfer` is set
  not_configured,  // emitted by a contract that is not a configured token (ignored, counted)
  not_transfer,    // a configured token's other event (Approval, ...)
  undecodable,     // a Transfer whose fields do not decode (reported in issues)
};

const char* to_string(Skip s) noexcept;

struct GridEvent {
  std::uint64_t block_number = 0;
  std::int64_t block_timestamp_ms = 0;
  std::string tx_id;  // 64 lower-case hex, no 0x
  std::uint32_t event_index = 0;
  std::string contract;      // canonical when it parses, else as sent (bounded)
  bool unconfirmed = false;  // TronGrid's "_unconfirmed": true
  Skip skip = Skip::none;
  std::optional<Transfer> transfer;
};

struct GridPage {
  std::vector<GridEvent> events;  // in answer order; only events with a usable position
  std::string fingerprint;        // meta.fingerprint; "" on the last page
  std::size_t ignored_contracts = 0;  // events of contracts that are not configured tokens
  std::size_t other_events = 0;       // configured tokens' events other than Transfer
};

class GridDecoder {
 public:
  GridDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name);
  ~GridDecoder();
  GridDecoder(GridDecoder&&) noexcept;
  GridDecoder& operator=(GridDecoder&&) noexcept;

  // One page of /v1/contracts/{c}/events (or /v1/transactions/{tx}/events,
  // same shape). error: not JSON, not an object, no `data` array, or an API
  // error body ({"success": false, "error": ...} -> rest_error).
  Decoded<GridPage> events_page(std::string_view body);

  const TokenRegistry& tokens() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::decode::tron
