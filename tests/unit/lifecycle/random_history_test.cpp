// Random (seeded) histories of forks, re-joins, gaps, mempool traffic and
// restarts, checked against the lifecycle invariants the alert ids rely on.
#include "lifecycle/tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "helpers.hpp"

namespace fw::lifecycle {
namespace {

using testing::describe;

struct ModelBlock {
  BlockRef ref;
  std::vector<Transfer> transfers;
  std::vector<std::string> txids;
  std::vector<std::pair<std::string, std::string>> failed;
  bool applied = false;
};

// What the histories exercised, summed over all seeds.
struct Coverage {
  std::map<Step::Kind, int> kinds;
  int backfills = 0, revisions_above_zero = 0, finals = 0, failed_retractions = 0, drops = 0, side_evictions = 0;
};

class History {
 public:
  History(std::uint32_t seed, Options options, Coverage& coverage)
      : rng_(seed), options_(options), tracker_(options), coverage_(coverage) {}

  void run(int ops) {
    const int restart_at = pick(0, ops - 1);
    for (int i = 0; i < ops; ++i) {
      if (i == restart_at) restart();
      const int what = pick(0, 99);
      if (what < 50) {
        new_block(Parent::random);
      } else if (what < 55) {
        // A block the tracker does not see (yet): its child arrives first.
        new_block(Parent::tip, /*deliver=*/false);
        if (pick(0, 1)) new_block(Parent::last, false);
        new_block(Parent::last);
      } else if (what < 75) {
        new_pending();
      } else if (what < 85) {
        drop();
      } else {
        redeliver();
      }
      check_bounds();
      if (::testing::Test::HasFatalFailure()) return;
    }
    check_lifecycles();
    check_live_keys_match_the_canonical_chain();
    coverage_.side_evictions += static_cast<int>(tracker_.stats().side_evicted);
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Every call goes to the tracker and, after a restart, to its restored twin.
  template <class F>
  Step call(F&& f) {
    Step s = f(tracker_);
    if (std::getenv("LIFECYCLE_TRACE")) std::cout << describe(s) << "\n";
    if (twin_) {
      Step t = f(*twin_);
      EXPECT_EQ(describe(s), describe(t));
    }
    ++coverage_.kinds[s.kind];
    for (const auto& x : s.out) {
      events_[transfer_key(x)].emplace_back(x.status, x.revision);
      coverage_.revisions_above_zero += x.revision > 0;
      coverage_.finals += x.status == TransferStatus::final;
      coverage_.failed_retractions += x.status_reason.starts_with("failed in block");
      coverage_.drops += x.status_reason.starts_with("dropped");
    }
    return s;
  }

  void restart() {
    twin_.emplace(options_);
    std::string error;
    ASSERT_TRUE(twin_->restore(tracker_.save(), error)) << error;
    EXPECT_EQ(twin_->save(), tracker_.save());
  }

  std::vector<Transfer> transfers_of(const std::string& txid) {
    // Deterministic per txid, so every sighting has the same keys.
    const std::uint64_t n = std::hash<std::string>{}(txid);
    std::vector<Transfer> out{
        testing::transfer(txid, n % 1000 + 1, "S" + std::to_string(n % 7), "R" + std::to_string(n % 5))};
    if (n % 3 == 0) out.push_back(testing::transfer(txid, n % 1000 + 1, out[0].senders[0], out[0].recipient, 1));
    return out;
  }

  std::set<std::string> ancestors_txids(const std::string& hash) {
    std::set<std::string> ids;
    for (auto it = blocks_.find(hash); it != blocks_.end(); it = blocks_.find(it->second.ref.parent_hash))
      ids.insert(it->second.txids.begin(), it->second.txids.end());
    return ids;
  }

  enum class Parent { random, tip, last };

  void new_block(Parent choice, bool deliver = true) {
    std::string parent = "g";
    std::uint64_t height = 1;
    const auto tip = tracker_.tip();
    if (choice == Parent::last && !order_.empty()) {
      const ModelBlock& p = blocks_.at(order_.back());
      parent = p.ref.hash;
      height = p.ref.height + 1;
    } else if (tip && (choice == Parent::tip || pick(0, 99) < 60)) {
      parent = tip->hash;
      height = tip->height + 1;
    } else if (!order_.empty() && pick(0, 99) < 95) {
      const int back = std::min<int>(static_cast<int>(order_.size()) - 1, pick(0, 12));
      const ModelBlock& p = blocks_.at(order_[order_.size() - 1 - back]);
      parent = p.ref.hash;
      height = p.ref.height + 1;
    }
    ModelBlock b;
    b.ref = BlockRef{height, "h" + std::to_string(next_block_++), parent};
    const std::set<std::string> taken = ancestors_txids(parent);
    const int ntx = pick(0, 3);
    for (int k = 0; k < ntx; ++k) {
      std::string txid;
      const int src = pick(0, 2);
      if (src == 0 && !pending_.empty()) {
        txid = *std::next(pending_.begin(), pick(0, static_cast<int>(pending_.size()) - 1));
      } else if (src == 1 && !included_.empty()) {
        txid = *std::next(included_.begin(), pick(0, static_cast<int>(included_.size()) - 1));
      } else {
        txid = "t" + std::to_string(next_tx_++);
      }
      if (taken.contains(txid) || std::find(b.txids.begin(), b.txids.end(), txid) != b.txids.end()) continue;
      for (auto& t : transfers_of(txid)) b.transfers.push_back(std::move(t));
      b.txids.push_back(txid);
    }
    if (!pending_.empty() && pick(0, 9) == 0) {
      const std::string txid = *std::next(pending_.begin(), pick(0, static_cast<int>(pending_.size()) - 1));
      if (!taken.contains(txid) && std::find(b.txids.begin(), b.txids.end(), txid) == b.txids.end()) {
        b.txids.push_back(txid);
        b.failed.emplace_back(txid, "abort_by_response");
      }
    }
    for (const auto& id : b.txids) {
      included_.insert(id);
      pending_.erase(id);
    }
    const std::string hash = b.ref.hash;
    order_.push_back(hash);
    blocks_.emplace(hash, std::move(b));
    if (deliver) {
      const Step s = this->deliver(hash, 0);
      EXPECT_NE(s.kind, Step::Kind::duplicate);
    }
  }

  // Adds a block; on a gap, sometimes backfills like a source would (the
  // block's own ancestors at the heights asked for, ascending) and re-adds it.
  Step deliver(const std::string& hash, int depth) {
    ModelBlock& b = blocks_.at(hash);
    const auto add = [&] {
      if (std::getenv("LIFECYCLE_TRACE"))
        std::cout << "add " << b.ref.height << " " << b.ref.hash << " <- " << b.ref.parent_hash << " tip "
                  << (tracker_.tip() ? tracker_.tip()->hash : "-") << " cursor "
                  << (tracker_.final_cursor() ? tracker_.final_cursor()->hash : "-") << ": ";
      Step s = call([&](Tracker& t) { return t.add_block(b.ref, b.transfers, b.txids, b.failed); });
      if (s.kind == Step::Kind::applied || s.kind == Step::Kind::reorg) b.applied = true;
      return s;
    };
    Step s = add();
    if (s.kind != Step::Kind::gap) return s;
    EXPECT_LE(s.backfill_from, s.backfill_to);
    EXPECT_LT(s.backfill_to, b.ref.height);
    if (depth > 6 || (depth == 0 && pick(0, 2) == 0)) return s;  // nested gaps are always followed
    // Would a source that backfills succeed? Only if the block descends from
    // the final cursor and the backfill fits in the side-block budget.
    const auto cursor = tracker_.final_cursor();
    bool linked = !cursor;
    std::vector<std::string> fetch;
    for (auto it = blocks_.find(b.ref.parent_hash); it != blocks_.end();
         it = blocks_.find(it->second.ref.parent_hash)) {
      if (cursor && it->first == cursor->hash) linked = true;
      const std::uint64_t h = it->second.ref.height;
      if (h >= s.backfill_from && h <= s.backfill_to) fetch.push_back(it->first);
    }
    std::reverse(fetch.begin(), fetch.end());
    // Nothing can be evicted meanwhile if even the worst case (every fetched
    // block and every canonical one ends up off the chain) fits the budget.
    const Stats before = tracker_.stats();
    const bool fits = before.side_blocks + before.canonical_blocks + fetch.size() < options_.max_side_blocks;
    for (const auto& f : fetch) deliver(f, depth + 1);
    ++coverage_.backfills;
    s = add();
    if (depth == 0 && linked && fits && s.kind == Step::Kind::gap)
      ADD_FAILURE() << "still a gap after backfilling " << fetch.size() << " blocks for " << b.ref.hash;
    return s;
  }

  void new_pending() {
    std::vector<Transfer> ts;
    const int n = pick(1, 3);
    for (int k = 0; k < n; ++k) {
      const std::string txid = "t" + std::to_string(next_tx_++);
      pending_.insert(txid);
      for (auto& t : transfers_of(txid)) ts.push_back(std::move(t));
    }
    call([&](Tracker& t) { return t.add_pending(ts); });
  }

  void drop() {
    if (pending_.empty()) return;
    const std::string txid = *std::next(pending_.begin(), pick(0, static_cast<int>(pending_.size()) - 1));
    call([&](Tracker& t) { return t.drop_pending({txid}, "StaleGarbageCollect", ""); });
  }

  void redeliver() {
    if (order_.empty()) return;
    // The same block again: a duplicate while the tracker knows it; after a
    // gap or an eviction it may apply now.
    ModelBlock& b = blocks_.at(order_[pick(0, static_cast<int>(order_.size()) - 1)]);
    const Step s = call([&](Tracker& t) { return t.add_block(b.ref, b.transfers, b.txids, b.failed); });
    if (s.kind == Step::Kind::applied || s.kind == Step::Kind::reorg) b.applied = true;
  }

  void check_bounds() {
    const Stats s = tracker_.stats();
    EXPECT_LE(s.side_blocks, options_.max_side_blocks);
    EXPECT_LE(s.pending_txs, options_.max_pending);
    EXPECT_LT(s.canonical_blocks, options_.final_depth);
  }

  // Per key: pending/confirmed r -> (confirmed r | retracted r | final r),
  // retracted r -> live again only as r + 1, nothing after final, and so no
  // (key, stage, revision) -- no alert id -- twice.
  void check_lifecycles() {
    for (const auto& [key, evs] : events_) {
      std::set<std::pair<TransferStatus, std::uint32_t>> seen;
      std::optional<std::pair<TransferStatus, std::uint32_t>> prev;
      for (const auto& e : evs) {
        EXPECT_TRUE(seen.insert(e).second) << "stage emitted twice for " << key;
        const auto [st, rev] = e;
        if (!prev) {
          EXPECT_TRUE(st == TransferStatus::pending || st == TransferStatus::confirmed) << key;
          EXPECT_EQ(rev, 0u) << key;
        } else {
          const auto [pst, prev_rev] = *prev;
          switch (pst) {
            case TransferStatus::pending:
              EXPECT_TRUE(st == TransferStatus::confirmed || st == TransferStatus::retracted) << key;
              EXPECT_EQ(rev, prev_rev) << key;
              break;
            case TransferStatus::confirmed:
              EXPECT_TRUE(st == TransferStatus::retracted || st == TransferStatus::final) << key;
              EXPECT_EQ(rev, prev_rev) << key;
              break;
            case TransferStatus::retracted:
              EXPECT_TRUE(st == TransferStatus::pending || st == TransferStatus::confirmed) << key;
              EXPECT_EQ(rev, prev_rev + 1) << key;
              break;
            case TransferStatus::final:
              ADD_FAILURE() << "stage after final for " << key;
              break;
          }
        }
        prev = e;
      }
    }
  }

  // A key is (still) confirmed or final exactly when it is in a block on the
  // chain that ends at the tracker's tip (down to the first block the tracker
  // never saw: a branch applied without its parent starts its history).
  void check_live_keys_match_the_canonical_chain() {
    std::set<std::string> on_chain;
    if (const auto tip = tracker_.tip())
      for (auto it = blocks_.find(tip->hash); it != blocks_.end() && it->second.applied;
           it = blocks_.find(it->second.ref.parent_hash))
        for (const auto& t : it->second.transfers) on_chain.insert(transfer_key(t));
    std::set<std::string> live;
    for (const auto& [key, evs] : events_)
      if (evs.back().first == TransferStatus::confirmed || evs.back().first == TransferStatus::final) live.insert(key);
    EXPECT_EQ(live, on_chain);
  }

  std::mt19937 rng_;
  Options options_;
  Tracker tracker_;
  std::optional<Tracker> twin_;
  Coverage& coverage_;
  std::map<std::string, ModelBlock> blocks_;
  std::vector<std::string> order_;
  std::set<std::string> pending_;   // txids offered to the mempool, not yet in any block
  std::set<std::string> included_;  // txids included in some block
  std::map<std::string, std::vector<std::pair<TransferStatus, std::uint32_t>>> events_;
  int next_block_ = 0, next_tx_ = 0;
};

TEST(TrackerRandom, RandomHistoriesKeepEveryLifecycleInvariantAndSurviveARestart) {
  Coverage coverage;
  // LIFECYCLE_SEEDS=N runs more histories; LIFECYCLE_SEED=k replays one
  // (with LIFECYCLE_TRACE=1 printing every step).
  const char* many = std::getenv("LIFECYCLE_SEEDS");
  const std::uint32_t seeds = many ? static_cast<std::uint32_t>(std::stoul(many)) : 200;
  for (std::uint32_t seed = 1; seed <= seeds; ++seed) {
    if (const char* only = std::getenv("LIFECYCLE_SEED"); only && std::to_string(seed) != only) continue;
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Options options{.final_depth = 1 + seed % 5,
                          .max_pending = 1000,
                          .max_side_blocks = 2u + seed % 8,
                          .retracted_memory_blocks = 100000};
    History h(seed, options, coverage);
    h.run(150);
    if (HasFailure()) break;
  }
  for (auto k : {Step::Kind::applied, Step::Kind::duplicate, Step::Kind::reorg, Step::Kind::gap, Step::Kind::stale})
    EXPECT_GT(coverage.kinds[k], 20) << to_string(k);
  EXPECT_GT(coverage.revisions_above_zero, 20);
  EXPECT_GT(coverage.finals, 20);
  EXPECT_GT(coverage.failed_retractions, 5);
  EXPECT_GT(coverage.drops, 20);
  EXPECT_GT(coverage.side_evictions, 5);
  EXPECT_GT(coverage.backfills, 20);
  std::cout << "coverage: applied " << coverage.kinds[Step::Kind::applied] << ", duplicate "
            << coverage.kinds[Step::Kind::duplicate] << ", reorg " << coverage.kinds[Step::Kind::reorg] << ", gap "
            << coverage.kinds[Step::Kind::gap] << ", stale " << coverage.kinds[Step::Kind::stale] << ", revisions>0 "
            << coverage.revisions_above_zero << ", finals " << coverage.finals << ", failed "
            << coverage.failed_retractions << ", drops " << coverage.drops << ", backfills " << coverage.backfills
            << ", side evictions " << coverage.side_evictions << "\n";
}

}  // namespace
}  // namespace fw::lifecycle
