// The stages of TRON token transfers, for both TRON sources.
//
// TRON (DPoS) has no public mempool view here and no parent-hash chain in
// TronGrid answers, so the lifecycle differs from lifecycle::Tracker's:
//   confirmed   the event is in a block that is not solidified yet
//               (TronGrid's unconfirmed view; a contract*Trigger);
//   final       the block is solidified (TronGrid's only_confirmed view; a
//               solidity*Trigger; latestSolidifiedBlockNumber passing it);
//   retracted   the node revoked the log (removed: true), or the solidified
//               chain moved past the event's block without it.
// An event first seen already solidified is emitted confirmed and final in
// the same step (as lifecycle::Tracker does with final_depth 1).
//
// Events are identified by (tx_id, event_index). Transfer::occurrence is the
// event index too: every view of an event (TronGrid's two views, the event
// plugin's triggers) numbers it the same way within its transaction, and
// there is no index-less mempool sighting to line up with, so the index is
// the stable tie-breaker the alert id needs (docs/sources/tron.md).
// Transfer::revision is 0, and grows by one each time a retracted event is
// seen again, so the later alerts get ids of their own.
//
// Memory is bounded: live (confirmed, not final) events up to max_live
// (lowest block evicted first, silently); the keys of recently finalised
// events (so a late repeat is not confirmed again) and the revisions of
// retracted events, each up to its own cap, oldest first.
//
// Pure: no I/O, no clock, no logging. Not thread-safe: one per source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/transfer.hpp"

namespace fw::decode::tron {

struct LedgerOptions {
  std::size_t max_live = 100000;
  std::size_t max_recent_final = 65536;
  std::size_t max_retracted = 65536;
};

// What save() leaves out and restore() fills in on every transfer.
struct LedgerContext {
  Network network = Network::mainnet;
  std::string chain_name = "tron";
  std::string source;
};

struct LedgerStats {
  std::size_t live = 0;
  std::size_t retracted = 0;
  std::uint64_t evicted = 0;  // live events dropped at the cap, since construction / restore
};

// "<tx_id>:<event_index>"
std::string event_key(std::string_view tx_id, std::uint32_t event_index);

class Ledger {
 public:
  explicit Ledger(LedgerContext context, LedgerOptions options = {});

  // The event is in a block that is not solidified: emitted confirmed once
  // (nothing when it is live already or was finalised recently).
  void confirmed(Transfer t, std::vector<Transfer>& out);
  // The event is in a solidified block: emitted final (confirmed first when
  // it was not live), with the solidified view's block facts.
  void solidified(Transfer t, std::vector<Transfer>& out);
  // The node revoked the log: a live event is emitted retracted with
  // status_reason `reason`. Unknown (or already final) events are ignored.
  void removed(std::string_view tx_id, std::uint32_t event_index, std::string_view reason, std::vector<Transfer>& out);
  // Every live event at a block <= `block` is emitted final (block order).
  void finalize_through(std::uint64_t block, std::vector<Transfer>& out);
  // Every live event at a block < `block` is emitted retracted with
  // status_reason `reason` (block order): the solidified chain passed it.
  void retract_below(std::uint64_t block, std::string_view reason, std::vector<Transfer>& out);

  bool live(std::string_view key) const { return live_.contains(std::string(key)); }
  bool recently_final(std::string_view key) const { return recent_final_.contains(std::string(key)); }
  LedgerStats stats() const noexcept { return {live_.size(), retracted_.size(), evicted_}; }

  // Compact JSON: {"live":[...],"retracted":[[key,revision],...]}. The
  // recently-final keys are not saved (a restart forgets them; TronGrid's
  // cursor and the outbox's id check cover repeats). restore() replaces the
  // state; false + `error` (and an empty ledger) on malformed input.
  std::string save() const;
  bool restore(std::string_view saved, std::string& error);

 private:
  struct Live {
    Transfer transfer;  // status confirmed, revision set
    std::uint64_t seq = 0;
  };
  using Order = std::pair<std::uint64_t, std::uint64_t>;  // (block, seq)

  std::uint32_t next_revision(const std::string& key);
  void add_live(std::string key, Transfer t);
  void erase_live(std::unordered_map<std::string, Live>::iterator it);
  void note_final(std::string key);
  void note_retracted(std::string key, std::uint32_t revision);
  static Order order_of(const Transfer& t, std::uint64_t seq) { return {t.block_height.value_or(0), seq}; }

  LedgerContext context_;
  LedgerOptions options_;
  std::unordered_map<std::string, Live> live_;
  std::map<Order, std::string> by_block_;  // live keys, lowest block first
  std::unordered_set<std::string> recent_final_;
  std::deque<std::string> recent_final_order_;
  std::unordered_map<std::string, std::uint32_t> retracted_;  // key -> revision of the retraction
  std::deque<std::pair<std::string, std::uint32_t>> retracted_order_;  // (key, revision), oldest first
  std::uint64_t next_seq_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace fw::decode::tron
