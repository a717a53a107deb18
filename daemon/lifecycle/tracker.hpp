// The lifecycle of chain transfers: pending -> confirmed -> final, or
// retracted (dropped from the mempool, failed in a block, or removed by a
// reorg). Every chain source (Stacks, EVM, TRON, Bitcoin) feeds its decoded
// transfers through one Tracker; the transfers it returns carry their stage
// (Transfer::status, revision, status_reason, replaced_by) and go to
// Observer::on_transfers in the order given.
//
// The chain model
//   Blocks are identified by hash and linked by parent_hash. The canonical
//   chain is the tip and its ancestors; the newest block at the greatest
//   height wins (ties go to the newest block: Stacks Nakamoto replaces a tip
//   at the same height). A block is final when
//   tip.height - block.height + 1 >= final_depth; its transfers are emitted
//   `final`, it leaves the window and becomes the final cursor (the block a
//   source resumes after).
//
// Transfers are identified by their key (tx_id, asset.contract, senders,
// recipient, amount, occurrence) -- the same fields the alert base id hashes,
// so the mempool and block sightings of one transfer share a key.
// Transfer::revision is 0 normally and grows by one each time a key becomes
// live again (pending or confirmed) after it was retracted, so that the
// alert ids of the later stages are new; a retraction reuses the revision of
// the stage it retracts.
//
// Memory is bounded: blocks not yet final, at most max_side_blocks blocks off
// the canonical chain (oldest evicted), at most max_pending mempool
// transactions (oldest evicted), and revision entries only for keys that were
// retracted (pruned as the final cursor moves; see Options).
//
// Pure: no I/O, no clocks, no logging. Not thread-safe: one Tracker per
// source, used from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/transfer.hpp"

namespace fw::lifecycle {

struct BlockRef {
  std::uint64_t height = 0;
  std::string hash;         // for Stacks: the index block hash
  std::string parent_hash;  // for Stacks: the parent index block hash

  friend bool operator==(const BlockRef&, const BlockRef&) = default;
};

struct Options {
  // Confirmations at which a block's transfers are final (1 = final at
  // inclusion: confirmed and final are emitted in the same step). 0 acts as 1.
  std::uint32_t final_depth = 6;
  // Mempool transactions remembered; the oldest is forgotten (silently) first.
  std::size_t max_pending = 100000;
  // Blocks kept off the canonical chain (forks not yet winning, orphaned
  // blocks that may come back); the oldest is evicted first.
  std::size_t max_side_blocks = 64;
  // How long (in blocks past the final cursor) the revision of a retracted
  // key is remembered, so that a late re-inclusion still gets a new revision
  // (and new alert ids). Also capped at max_pending entries, oldest first.
  std::uint64_t retracted_memory_blocks = 10000;
};

// The result of one call.
struct Step {
  enum class Kind : std::uint8_t {
    applied,    // state changed normally (also: a fork block stored on a side branch, see side_branch)
    duplicate,  // already known (block hash, or every mempool txid); nothing emitted
    reorg,      // the canonical chain switched; `orphaned` lists the blocks that left it
    gap,        // parent unknown: nothing applied; fetch backfill_from..backfill_to, add them, re-add this block
    stale,      // at or below the final cursor (or forking below it): ignored
  };
  Kind kind = Kind::applied;
  std::vector<Transfer> out;                         // emitted transfers, in order; status/revision/status_reason set
  std::uint64_t backfill_from = 0, backfill_to = 0;  // kind == gap: heights to refetch, inclusive
  std::vector<BlockRef> orphaned;  // blocks that left the canonical chain in this step, ascending height
  bool side_branch = false;        // the block was stored off the canonical chain (kind == applied)
};

constexpr const char* to_string(Step::Kind k) noexcept {
  switch (k) {
    case Step::Kind::applied: return "applied";
    case Step::Kind::duplicate: return "duplicate";
    case Step::Kind::reorg: return "reorg";
    case Step::Kind::gap: return "gap";
    case Step::Kind::stale: return "stale";
  }
  return "unknown";
}

// Sizes and cumulative counters, for metrics and tests.
struct Stats {
  std::size_t canonical_blocks = 0;  // in the window (not final)
  std::size_t side_blocks = 0;
  std::size_t pending_txs = 0;
  std::size_t revision_entries = 0;
  std::uint64_t pending_evicted = 0;  // since construction / restore
  std::uint64_t side_evicted = 0;
};

class Tracker {
 public:
  explicit Tracker(Options options = {});

  // Mempool transfers. Grouped by tx_id; a tx_id already pending, or included
  // in a canonical block of the window, is ignored. New ones are emitted with
  // status pending (kind applied; duplicate when nothing was new).
  Step add_pending(std::vector<Transfer> transfers);

  // The pending transfers of these txids are emitted retracted with
  // status_reason "dropped: <reason>" and replaced_by set, and forgotten.
  // Unknown txids are ignored.
  Step drop_pending(const std::vector<std::string>& txids, std::string_view reason, std::string_view replaced_by);

  // A block with its transfers (candidates for confirmed; the tracker sets
  // their block_height/block_hash from `ref`), every txid it includes, and
  // the txids that were included but failed (txid, status): their pending
  // transfers are emitted retracted with "failed in block: <status>" when the
  // block is canonical. A canonical block removes the pending entries of the
  // txids it includes (its own transfers are emitted confirmed as usual).
  //
  // Known parent: extends the tip (applied), or forks. A fork becomes
  // canonical when its height >= the tip's (ties go to the newest block),
  // else it waits as a side block (kind applied, side_branch). On a switch
  // `out` holds, in order: retractions of the orphaned blocks' transfers whose
  // key is not on the new branch ("reorg: block <hash> at height <h> left the
  // canonical chain"; ascending blocks), then per new canonical block its
  // failed-pending retractions and its transfers not confirmed before (a key
  // that only moved to another block emits nothing), then `final` transfers.
  //
  // Parent unknown (or a side branch whose oldest block has an unknown
  // parent: then "ref.height" below means that oldest block's height): the
  // first block ever is applied; otherwise kind gap (nothing applied):
  // backfill_from = tip.height + 1 when the block is ahead, else the lowest
  // height of the window (the fork point is older); backfill_to =
  // ref.height - 1. When that range is empty, no fetch can link the block:
  // it is stale if the final cursor is its would-be parent height (a fork
  // below finality), else it is applied as with accept_unlinked.
  // accept_unlinked (a caller that cannot backfill): applied as the new tip;
  // canonical blocks at heights >= ref.height are orphaned.
  // A block whose height is not above its known parent's is stale.
  //
  // node_head: the node itself says this block is its head (EVM newHeads).
  // Then a linked fork becomes canonical even when it is LOWER than the tip
  // (a reorg onto a shorter branch, or a rollback), so the orphaned blocks'
  // transfers are retracted at once instead of when the new branch catches
  // up; and a known canonical block below the tip becomes the tip again
  // (the blocks above it are orphaned; kind reorg).
  Step add_block(BlockRef ref, std::vector<Transfer> transfers, const std::vector<std::string>& included_txids,
                 const std::vector<std::pair<std::string, std::string>>& failed_txids, bool accept_unlinked = false,
                 bool node_head = false);

  // The newest canonical block (the final cursor when every block is final).
  std::optional<BlockRef> tip() const;
  // The last block made final.
  std::optional<BlockRef> final_cursor() const;

  // The whole state as compact JSON text (lifecycle_state.cpp documents the
  // format, {"version":1,...}). restore(save()) on a Tracker with the same
  // Options behaves identically from then on. restore() replaces the state;
  // on unknown versions or malformed input it returns false with a message
  // and leaves the tracker empty.
  std::string save() const;
  bool restore(std::string_view saved, std::string& error);

  Stats stats() const;
  const Options& options() const noexcept { return options_; }

 private:
  struct Block {
    BlockRef ref;
    std::vector<Transfer> transfers;  // status confirmed, block fields set
    std::vector<std::string> txids;   // sorted, unique; includes failed ones and the transfers' tx_ids
    std::vector<std::pair<std::string, std::string>> failed;
    bool canonical = false;
    std::uint64_t seq = 0;  // when it became a side block (eviction order)
  };
  struct PendingTx {
    std::vector<Transfer> transfers;  // status pending
    std::uint64_t seq = 0;            // insertion order (eviction order)
  };
  enum class KeyState : std::uint8_t { pending, confirmed, retracted };
  struct Revision {
    std::uint32_t revision = 0;
    KeyState state = KeyState::retracted;
    std::uint64_t height = 0;  // confirmed: its block; pending/retracted: the chain height then
  };
  using KeySet = std::unordered_set<std::string>;

  std::uint64_t tip_height() const;
  const std::string* tip_hash() const;
  bool known(const std::string& hash) const;
  bool canonical_includes(const std::string& txid) const;

  // Revision bookkeeping; each returns the revision to emit.
  std::uint32_t make_live(const std::string& key, KeyState state, std::uint64_t height);
  std::uint32_t make_retracted(const std::string& key, std::uint64_t height);
  std::uint32_t revision_of(const std::string& key) const;

  void emit(Step& step, const Transfer& t, TransferStatus status, std::uint32_t revision, std::string reason = {},
            std::string replaced_by = {}) const;

  // Orphans canonical_[keep..] and makes `branch` (ascending hashes of stored
  // blocks, the first one's parent being canonical_[keep-1] or the cursor)
  // canonical.
  void switch_chain(std::size_t keep, const std::vector<std::string>& branch, Step& step);
  void on_canonical(Block& block, const KeySet& still_live, Step& step);
  void finalize(Step& step);
  void prune_side();
  void evict_side();
  void prune_revisions();
  void cap_revisions();
  void evict_pending();
  void erase_pending(const std::string& txid);
  void clear();

  Options options_;
  std::unordered_map<std::string, Block> blocks_;  // window: canonical and side blocks, by hash
  std::deque<std::string> canonical_;              // canonical window, ascending height
  std::optional<BlockRef> cursor_;
  std::unordered_map<std::string, PendingTx> pending_;   // by tx_id
  std::map<std::uint64_t, std::string> pending_order_;   // seq -> tx_id
  std::unordered_map<std::string, Revision> revisions_;  // by transfer key
  std::uint64_t next_seq_ = 0;
  std::size_t side_count_ = 0;
  std::uint64_t pending_evicted_ = 0;
  std::uint64_t side_evicted_ = 0;
};

// The transfer key as one string (fields joined by control characters).
std::string transfer_key(const Transfer& t);

}  // namespace fw::lifecycle
