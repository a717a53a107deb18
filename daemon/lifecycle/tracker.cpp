#include "lifecycle/tracker.hpp"

#include <algorithm>
#include <iterator>

namespace fw::lifecycle {

std::string transfer_key(const Transfer& t) {
  // Unit separators keep the fields apart; none of them can occur in a
  // canonical address, a tx id, an asset identifier or a decimal amount.
  std::string k;
  k.reserve(t.tx_id.size() + t.asset.contract.size() + t.recipient.size() + 64 + 48 * t.senders.size());
  k += t.tx_id;
  k += '\x1f';
  k += t.asset.contract;
  k += '\x1f';
  for (std::size_t i = 0; i < t.senders.size(); ++i) {
    if (i) k += '\x1e';
    k += t.senders[i];
  }
  k += '\x1f';
  k += t.recipient;
  k += '\x1f';
  k += t.amount.to_decimal();
  k += '\x1f';
  k += std::to_string(t.occurrence);
  return k;
}

namespace {

std::string_view txid_of_key(std::string_view key) { return key.substr(0, key.find('\x1f')); }

std::string reorg_reason(const BlockRef& b) {
  return "reorg: block " + b.hash + " at height " + std::to_string(b.height) + " left the canonical chain";
}

}  // namespace

Tracker::Tracker(Options options) : options_(options) {
  if (options_.final_depth == 0) options_.final_depth = 1;
}

// ---------------------------------------------------------------- queries

std::optional<BlockRef> Tracker::tip() const {
  if (!canonical_.empty()) return blocks_.at(canonical_.back()).ref;
  return cursor_;
}

std::optional<BlockRef> Tracker::final_cursor() const { return cursor_; }

Stats Tracker::stats() const {
  Stats s;
  s.canonical_blocks = canonical_.size();
  s.side_blocks = side_count_;
  s.pending_txs = pending_.size();
  s.revision_entries = revisions_.size();
  s.pending_evicted = pending_evicted_;
  s.side_evicted = side_evicted_;
  return s;
}

std::uint64_t Tracker::tip_height() const {
  if (!canonical_.empty()) return blocks_.at(canonical_.back()).ref.height;
  return cursor_ ? cursor_->height : 0;
}

const std::string* Tracker::tip_hash() const {
  if (!canonical_.empty()) return &canonical_.back();
  return cursor_ ? &cursor_->hash : nullptr;
}

bool Tracker::known(const std::string& hash) const {
  return blocks_.contains(hash) || (cursor_ && cursor_->hash == hash);
}

bool Tracker::canonical_includes(const std::string& txid) const {
  for (const auto& h : canonical_) {
    const auto& ids = blocks_.at(h).txids;
    if (std::binary_search(ids.begin(), ids.end(), txid)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- revisions

std::uint32_t Tracker::make_live(const std::string& key, KeyState state, std::uint64_t height) {
  auto it = revisions_.find(key);
  if (it == revisions_.end()) return 0;  // never retracted: revision 0, no entry needed
  Revision& r = it->second;
  if (r.state == KeyState::retracted) ++r.revision;
  r.state = state;
  r.height = height;
  return r.revision;
}

std::uint32_t Tracker::make_retracted(const std::string& key, std::uint64_t height) {
  Revision& r = revisions_[key];
  r.state = KeyState::retracted;
  r.height = height;
  return r.revision;
}

std::uint32_t Tracker::revision_of(const std::string& key) const {
  auto it = revisions_.find(key);
  return it == revisions_.end() ? 0 : it->second.revision;
}

void Tracker::emit(Step& step, const Transfer& t, TransferStatus status, std::uint32_t revision, std::string reason,
                   std::string replaced_by) const {
  Transfer& o = step.out.emplace_back(t);
  o.status = status;
  o.revision = revision;
  o.status_reason = std::move(reason);
  o.replaced_by = std::move(replaced_by);
}

// ---------------------------------------------------------------- mempool

void Tracker::erase_pending(const std::string& txid) {
  auto it = pending_.find(txid);
  if (it == pending_.end()) return;
  pending_order_.erase(it->second.seq);
  pending_.erase(it);
}

void Tracker::evict_pending() {
  while (pending_.size() > options_.max_pending && !pending_order_.empty()) {
    auto oldest = pending_order_.begin();
    pending_.erase(oldest->second);
    pending_order_.erase(oldest);
    ++pending_evicted_;
  }
}

Step Tracker::add_pending(std::vector<Transfer> transfers) {
  Step step;
  // Group by tx_id, keeping the order in which txids first appear.
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<Transfer>> groups;
  for (auto& t : transfers) {
    auto [it, inserted] = groups.try_emplace(t.tx_id);
    if (inserted) order.push_back(t.tx_id);
    it->second.push_back(std::move(t));
  }
  const std::uint64_t height = tip_height();
  for (const auto& txid : order) {
    if (pending_.contains(txid) || canonical_includes(txid)) continue;
    PendingTx p;
    p.seq = next_seq_++;
    p.transfers = std::move(groups[txid]);
    for (auto& t : p.transfers) {
      t.status = TransferStatus::pending;
      t.status_reason.clear();
      t.replaced_by.clear();
      t.revision = make_live(transfer_key(t), KeyState::pending, height);
      step.out.push_back(t);
    }
    pending_order_.emplace(p.seq, txid);
    pending_.emplace(txid, std::move(p));
  }
  evict_pending();
  if (step.out.empty() && !order.empty()) step.kind = Step::Kind::duplicate;
  return step;
}

Step Tracker::drop_pending(const std::vector<std::string>& txids, std::string_view reason,
                           std::string_view replaced_by) {
  Step step;
  const std::string why = reason.empty() ? std::string("dropped") : "dropped: " + std::string(reason);
  const std::uint64_t height = tip_height();
  for (const auto& txid : txids) {
    auto it = pending_.find(txid);
    if (it == pending_.end()) continue;
    for (const auto& t : it->second.transfers)
      emit(step, t, TransferStatus::retracted, make_retracted(transfer_key(t), height), why, std::string(replaced_by));
    erase_pending(txid);
  }
  cap_revisions();
  return step;
}

// ---------------------------------------------------------------- blocks

Step Tracker::add_block(BlockRef ref, std::vector<Transfer> transfers, const std::vector<std::string>& included_txids,
                        const std::vector<std::pair<std::string, std::string>>& failed_txids, bool accept_unlinked,
                        bool node_head) {
  Step step;
  if (known(ref.hash)) {
    step.kind = Step::Kind::duplicate;
    // The node went back to a block we hold on the canonical chain: rewind.
    if (auto it = blocks_.find(ref.hash); node_head && it != blocks_.end() && it->second.canonical &&
                                          canonical_.back() != ref.hash) {
      auto pos = std::find(canonical_.begin(), canonical_.end(), ref.hash);
      switch_chain(static_cast<std::size_t>(std::distance(canonical_.begin(), pos)) + 1, {}, step);
      evict_side();
    } else if (node_head && it != blocks_.end() && !it->second.canonical) {
      // A side block the node now calls its head: take it out and add it
      // again, so it links and wins like a new block.
      Block b = std::move(it->second);
      blocks_.erase(it);
      --side_count_;
      std::vector<std::string> included;
      for (const auto& txid : b.txids)
        if (std::none_of(b.failed.begin(), b.failed.end(), [&](const auto& f) { return f.first == txid; }))
          included.push_back(txid);
      return add_block(b.ref, std::move(b.transfers), included, b.failed, false, true);
    }
    return step;
  }
  if (cursor_ && ref.height <= cursor_->height) {
    step.kind = Step::Kind::stale;
    return step;
  }

  // Where does the block attach? Walk back through side blocks until the
  // canonical chain (or the final cursor) is reached.
  std::vector<std::string> branch;  // side ancestors, newest first
  std::optional<std::size_t> keep;  // canonical blocks below the fork point
  {
    std::string h = ref.parent_hash;
    std::uint64_t below = ref.height;  // heights must fall along the walk (no cycles)
    for (;;) {
      if (cursor_ && h == cursor_->hash) {
        if (cursor_->height < below) keep = 0;
        break;
      }
      auto it = blocks_.find(h);
      if (it == blocks_.end() || it->second.ref.height >= below) break;
      if (it->second.canonical) {
        auto pos = std::find(canonical_.rbegin(), canonical_.rend(), h);
        keep = static_cast<std::size_t>(std::distance(pos, canonical_.rend()));
        break;
      }
      branch.push_back(h);
      below = it->second.ref.height;
      h = it->second.ref.parent_hash;
    }
  }
  // A parent that is known but not below the block is inconsistent data.
  if (branch.empty() && !keep && known(ref.parent_hash)) {
    step.kind = Step::Kind::stale;
    return step;
  }

  const bool linked = keep.has_value() && tip_hash() != nullptr;
  const std::uint64_t root_height = branch.empty() ? ref.height : blocks_.at(branch.back()).ref.height;
  if (!linked && tip_hash() != nullptr && !accept_unlinked) {
    const std::uint64_t tip_h = tip_height();
    std::uint64_t from = 0;
    if (root_height > tip_h + 1)
      from = tip_h + 1;
    else
      from = canonical_.empty() ? cursor_->height + 1 : blocks_.at(canonical_.front()).ref.height;
    if (root_height >= 1 && from <= root_height - 1) {
      step.kind = Step::Kind::gap;
      step.backfill_from = from;
      step.backfill_to = root_height - 1;
      return step;
    }
    // No fetch can link it. A fork below the final block is stale; a branch
    // rooted before everything we know is taken as it is.
    if (cursor_ && cursor_->height + 1 == root_height) {
      step.kind = Step::Kind::stale;
      return step;
    }
  }

  // Store the block (off the canonical chain until switch_chain takes it).
  Block block;
  block.ref = ref;
  block.transfers = std::move(transfers);
  for (auto& t : block.transfers) {
    t.block_height = ref.height;
    t.block_hash = ref.hash;
    t.status = TransferStatus::confirmed;
    t.revision = 0;
    t.status_reason.clear();
    t.replaced_by.clear();
  }
  block.txids = included_txids;
  for (const auto& [txid, status] : failed_txids) block.txids.push_back(txid);
  for (const auto& t : block.transfers) block.txids.push_back(t.tx_id);
  std::sort(block.txids.begin(), block.txids.end());
  block.txids.erase(std::unique(block.txids.begin(), block.txids.end()), block.txids.end());
  block.failed = failed_txids;
  block.seq = next_seq_++;
  const std::string hash = ref.hash;
  blocks_.emplace(hash, std::move(block));
  ++side_count_;

  std::vector<std::string> ascending(branch.rbegin(), branch.rend());
  ascending.push_back(hash);
  if (linked) {
    if (ref.height >= tip_height() || node_head) {
      switch_chain(*keep, ascending, step);
    } else {
      step.side_branch = true;  // a fork that does not win (yet)
    }
  } else {
    // Unlinked (first block ever, accept_unlinked, or nothing to fetch):
    // the branch replaces canonical blocks at and above its root's height.
    std::size_t below = 0;
    while (below < canonical_.size() && blocks_.at(canonical_[below]).ref.height < root_height) ++below;
    switch_chain(below, ascending, step);
  }
  finalize(step);
  evict_side();
  return step;
}

void Tracker::switch_chain(std::size_t keep, const std::vector<std::string>& branch, Step& step) {
  KeySet incoming;
  for (const auto& h : branch)
    for (const auto& t : blocks_.at(h).transfers) incoming.insert(transfer_key(t));

  KeySet outgoing;
  for (std::size_t i = keep; i < canonical_.size(); ++i) {
    Block& b = blocks_.at(canonical_[i]);
    step.orphaned.push_back(b.ref);
    const std::string reason = reorg_reason(b.ref);
    for (const auto& t : b.transfers) {
      std::string key = transfer_key(t);
      if (!incoming.contains(key)) emit(step, t, TransferStatus::retracted, make_retracted(key, b.ref.height), reason);
      outgoing.insert(std::move(key));
    }
    b.canonical = false;
    b.seq = next_seq_++;
    ++side_count_;
  }
  canonical_.resize(keep);

  for (const auto& h : branch) {
    Block& b = blocks_.at(h);
    b.canonical = true;
    --side_count_;
    canonical_.push_back(h);
    on_canonical(b, outgoing, step);
  }
  step.kind = step.orphaned.empty() ? Step::Kind::applied : Step::Kind::reorg;
}

void Tracker::on_canonical(Block& block, const KeySet& still_live, Step& step) {
  for (const auto& [txid, status] : block.failed) {
    auto it = pending_.find(txid);
    if (it == pending_.end()) continue;
    for (const auto& t : it->second.transfers) {
      Transfer r = t;
      r.block_height = block.ref.height;
      r.block_hash = block.ref.hash;
      emit(step, r, TransferStatus::retracted, make_retracted(transfer_key(t), block.ref.height),
           "failed in block: " + status);
    }
    erase_pending(txid);
  }
  for (const auto& txid : block.txids) erase_pending(txid);

  for (const auto& t : block.transfers) {
    const std::string key = transfer_key(t);
    if (still_live.contains(key)) {
      // Confirmed on the old branch too: no new stage, it just moved block.
      auto it = revisions_.find(key);
      if (it != revisions_.end() && it->second.state == KeyState::confirmed) it->second.height = block.ref.height;
      continue;
    }
    emit(step, t, TransferStatus::confirmed, make_live(key, KeyState::confirmed, block.ref.height));
  }
}

void Tracker::finalize(Step& step) {
  if (canonical_.empty()) return;
  const std::uint64_t tip_h = blocks_.at(canonical_.back()).ref.height;
  bool moved = false;
  while (!canonical_.empty()) {
    auto it = blocks_.find(canonical_.front());
    const Block& b = it->second;
    if (tip_h - b.ref.height + 1 < options_.final_depth) break;
    for (const auto& t : b.transfers) {
      const std::string key = transfer_key(t);
      emit(step, t, TransferStatus::final, revision_of(key));
      revisions_.erase(key);  // final is the last stage
    }
    cursor_ = b.ref;
    blocks_.erase(it);
    canonical_.pop_front();
    moved = true;
  }
  if (moved) {
    prune_side();
    prune_revisions();
  }
}

// ---------------------------------------------------------------- bounds

void Tracker::prune_side() {
  if (!cursor_) return;
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if (!it->second.canonical && it->second.ref.height <= cursor_->height) {
      it = blocks_.erase(it);
      --side_count_;
    } else {
      ++it;
    }
  }
}

void Tracker::evict_side() {
  while (side_count_ > options_.max_side_blocks) {
    auto oldest = blocks_.end();
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
      if (!it->second.canonical && (oldest == blocks_.end() || it->second.seq < oldest->second.seq)) oldest = it;
    if (oldest == blocks_.end()) break;
    blocks_.erase(oldest);
    --side_count_;
    ++side_evicted_;
  }
}

void Tracker::prune_revisions() {
  if (cursor_) {
    const std::uint64_t c = cursor_->height;
    const std::uint64_t keep_for = options_.retracted_memory_blocks;
    std::erase_if(revisions_, [&](const auto& kv) {
      const Revision& r = kv.second;
      const bool old = c > r.height && c - r.height > keep_for;
      switch (r.state) {
        case KeyState::confirmed:
          return r.height <= c;
        case KeyState::retracted:
          return old;
        case KeyState::pending:
          return old && !pending_.contains(std::string(txid_of_key(kv.first)));
      }
      return false;
    });
  }
  cap_revisions();
}

void Tracker::cap_revisions() {
  const std::size_t cap = std::max<std::size_t>(options_.max_pending, 1);
  if (revisions_.size() <= cap) return;
  // Forget the oldest entries that are not on the canonical chain.
  std::vector<std::pair<std::uint64_t, std::string>> candidates;
  for (const auto& [key, r] : revisions_)
    if (r.state != KeyState::confirmed) candidates.emplace_back(r.height, key);
  std::sort(candidates.begin(), candidates.end());
  for (const auto& c : candidates) {
    if (revisions_.size() <= cap) break;
    revisions_.erase(c.second);
  }
}

void Tracker::clear() {
  blocks_.clear();
  canonical_.clear();
  cursor_.reset();
  pending_.clear();
  pending_order_.clear();
  revisions_.clear();
  next_seq_ = 0;
  side_count_ = 0;
  pending_evicted_ = 0;
  side_evicted_ = 0;
}

}  // namespace fw::lifecycle
