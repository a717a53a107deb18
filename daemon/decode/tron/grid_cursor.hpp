// Where a TronGrid poller stands, per watched token contract, and what each
// answer page means for the transfers' stages (docs/sources/tron.md).
//
// Two views of /v1/contracts/{contract}/events, both ordered by
// block_timestamp ascending and paged with meta.fingerprint:
//   solidified   (only_confirmed=true)   -> final (confirmed first when the
//                                           event was not seen before)
//   unconfirmed  (only_unconfirmed=true) -> confirmed, early warning
//
// Solidified cursor: (ts, block, seen) = the block_timestamp of the newest
// event processed, its block number, and the keys (tx_id:event_index) of the
// events processed at that timestamp. The next query starts AT ts
// (min_block_timestamp is inclusive): events before ts are stale, events at
// ts already in `seen` are repeats, everything else is new. So a restart
// (or a page chain cut short) neither skips nor repeats an event, whatever
// order TronGrid gives events of one block in.
// Because the view is in timestamp order, reaching block B means every
// solidified event of the blocks below B was seen: live (confirmed) events
// below B that never showed up solidified are retracted ("reorg").
//
// Unconfirmed view: starts at the newest timestamp it has seen (and never
// below the solidified cursor). Its events at blocks the solidified cursor
// already passed are ignored: the solidified view decided them.
//
// First start (no saved state): both views start at now - lookback_ms, so
// the unconfirmed window (about final_depth blocks) is read and older
// history is not. A saved cursor older than now - max_gap_ms skips ahead to
// it (the caller logs and counts it).
//
// State: save() is compact JSON (cursors + each contract's Ledger);
// restore(save()) continues identically. Pure: the caller passes the clock.
// Not thread-safe: one per source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/transfer.hpp"
#include "decode/tron/grid.hpp"
#include "decode/tron/ledger.hpp"
#include "decode/tron/tokens.hpp"

namespace fw::decode::tron {

enum class GridView : std::uint8_t { solidified, unconfirmed };

const char* to_string(GridView v) noexcept;

// What one page did.
struct GridApplied {
  std::size_t fresh = 0;    // events processed for the first time
  std::size_t repeats = 0;  // events at the cursor's timestamp already processed (or decided)
  std::size_t stale = 0;    // events before the cursor (the server ignored min_block_timestamp?)
  std::uint64_t max_block = 0;  // highest block number on the page
};

class GridCursor {
 public:
  // Most keys remembered for the solidified cursor's timestamp (one block's events).
  static constexpr std::size_t kMaxSeen = 100000;
  // TronGrid's largest page.
  static constexpr unsigned kMaxLimit = 200;

  GridCursor(const TokenRegistry& tokens, LedgerContext context, LedgerOptions ledger = {});
  ~GridCursor();
  GridCursor(GridCursor&&) noexcept;
  GridCursor& operator=(GridCursor&&) noexcept;

  // Replaces the state with a save(); contracts no longer configured are
  // dropped. False + `error` (the state is empty then) on malformed input.
  bool restore(std::string_view saved, std::string& error);
  std::string save() const;

  // Once, before the first query, with the wall clock (unix ms). Returns a
  // description of every contract whose cursor skipped ahead ("" if none).
  std::vector<std::string> begin(std::int64_t now_ms, std::int64_t lookback_ms, std::int64_t max_gap_ms);

  // min_block_timestamp for the next query chain of `view`.
  std::int64_t start_ms(std::string_view contract, GridView view) const;

  // Applies one decoded page of `view` for `contract`; emitted transfers
  // (stages set) are appended to `out` in order.
  GridApplied apply(std::string_view contract, GridView view, const GridPage& page, std::vector<Transfer>& out);

  // Highest block number seen in any answer (0 before the first).
  std::uint64_t tip() const noexcept;
  // Live (confirmed, not final) events over all contracts.
  std::size_t live() const noexcept;
  const std::vector<std::string>& contracts() const noexcept;

  // "/v1/contracts/{contract}/events?event_name=Transfer&only_confirmed=true
  //  &order_by=block_timestamp,asc&min_block_timestamp=...&limit=...[&fingerprint=...]"
  static std::string events_target(std::string_view contract, GridView view, std::int64_t min_ts, unsigned limit,
                                   std::string_view fingerprint);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::decode::tron
