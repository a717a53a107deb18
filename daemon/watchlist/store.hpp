// Internal: the storage behind one Snapshot (not part of the public API).
//
// Layout, chosen so that ten million listings plus their twins fit in well
// under 1.5 GB (docs/watchlists.md, "Size"):
//   - canonical addresses are copied once into an arena of large chunks;
//   - every provenance string is interned once into the same arena and named
//     by a 32-bit id (0 = "");
//   - the per-file part of a provenance (file, list, source, incident,
//     severity) is interned as an Origin tuple, so a listing is a 20-byte
//     Record (line, origin, label, added_at, notes);
//   - an Entry is 32 bytes: its ProvenanceList names the store by a 32-bit
//     id (see store_by_id) instead of a pointer;
//   - record e is the first record of listed entry e; an entry listed more
//     than once gets its records copied together at the end of `records`
//     when the snapshot is built;
//   - a derived twin has no records of its own: its ProvenanceList is marked
//     derived and names the original entry, whose records it shows with the
//     derived notes ("derived from <original> (same key)"), made on first
//     access and cached;
//   - EVM <-> TRON twins are not stored at all (there are millions of them
//     and most are never asked for): find() tries the other spelling of a
//     missed EVM or TRON address and makes the twin's Entry the first time
//     it is found (lazy_entries). A TRON entry's EVM spelling is indexed in
//     tron_by_evm so that an EVM miss costs one more probe with the same
//     hash; a TRON miss decodes base58 and probes the main index. Stacks <->
//     Bitcoin twins (off by default) are stored as entries after the listed ones;
//   - the index is an open-addressing table of 32-bit entry numbers with a
//     one-byte hash tag per slot (5 bytes a slot, load factor <= 0.8).
// A Store never moves: it lives behind a unique_ptr, first in the Builder
// and then in the Snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "watchlist/watchlist.hpp"

namespace fw::watchlist::detail {

__extension__ using uint128 = unsigned __int128;

// Append-only storage for bytes; returned views stay valid for its lifetime.
class Arena {
 public:
  std::string_view copy(std::string_view s);
  // n contiguous bytes (n > 0) for the caller to fill.
  char* allocate(std::size_t n);
  std::size_t bytes_reserved() const noexcept { return reserved_; }

 private:
  // Above glibc's largest dynamic mmap threshold (32 MiB), so every chunk is
  // its own mapping: a freed snapshot's memory goes back to the system at
  // once instead of staying in the heap (measured: +570 MB of RSS after a
  // 10M-entry reload with 1 MiB chunks). Untouched pages cost nothing.
  static constexpr std::size_t chunk_size = std::size_t{64} << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cur_ = nullptr;
  std::size_t left_ = 0;
  std::size_t reserved_ = 0;
};

// 64-bit hash of an address (non-cryptographic; lists are trusted input).
std::uint64_t hash_address(std::string_view s) noexcept;

struct Origin {
  std::uint32_t file = 0, list = 0, source = 0, incident = 0, severity = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

struct Record {
  std::uint32_t line = 0;
  std::uint32_t origin = 0;  // index into Store::origins
  std::uint32_t label = 0;   // string ids
  std::uint32_t added_at = 0;
  std::uint32_t notes = 0;
};

// Open addressing, linear probing; slot i holds entry ids_[i] when tags_[i]
// != 0 (tag = 0x80 | 7 low bits of the hash). The home slot is the hash's
// high bits scaled to the capacity, so any capacity works.
class Index {
 public:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  std::size_t bytes() const noexcept { return cap_ * 5; }
  // Room for n entries in total without growing.
  bool fits(std::size_t n) const noexcept { return n * 5 <= cap_ * 4; }

  // Rebuilds the table for at least n entries; `hash_of(id)` gives an
  // entry's hash (existing entries are reinserted).
  template <class HashOf>
  void resize(std::size_t n, HashOf&& hash_of) {
    const std::size_t old_cap = cap_;
    auto old_tags = std::move(tags_);
    auto old_ids = std::move(ids_);
    cap_ = std::max<std::size_t>(16, n + n / 4 + 1);
    tags_ = std::make_unique<std::uint8_t[]>(cap_);  // zeroed
    ids_ = std::make_unique_for_overwrite<std::uint32_t[]>(cap_);
    size_ = 0;
    for (std::size_t i = 0; i < old_cap; ++i) {
      if (old_tags[i] != 0) insert_new(hash_of(old_ids[i]), old_ids[i]);
    }
  }

  // The entry with address `a` (hash h), or none. `address_of(id)` gives
  // an entry's address.
  template <class AddressOf>
  std::uint32_t find(std::uint64_t h, std::string_view a, AddressOf&& address_of) const noexcept {
    if (cap_ == 0) return none;
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home(h);;) {
      const std::uint8_t t = tags_[i];
      if (t == 0) return none;
      if (t == tag && address_of(ids_[i]) == a) return ids_[i];
      if (++i == cap_) i = 0;
    }
  }

  // The entry with hash h for which is(id) holds, or none.
  template <class Is>
  std::uint32_t find_if(std::uint64_t h, Is&& is) const noexcept {
    if (cap_ == 0) return none;
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home(h);;) {
      const std::uint8_t t = tags_[i];
      if (t == 0) return none;
      if (t == tag && is(ids_[i])) return ids_[i];
      if (++i == cap_) i = 0;
    }
  }

  // Starts loading the slots where a lookup of hash h begins: callers that
  // know the next hashes (a batch of rows) hide the cache misses of a table
  // far larger than the cache.
  void prefetch(std::uint64_t h) const noexcept {
    if (cap_ == 0) return;
    const std::size_t i = home(h);
    __builtin_prefetch(&tags_[i]);
    __builtin_prefetch(&ids_[i]);
  }

  // Inserts `id` (whose address is known to be absent). Caller keeps fits().
  void insert_new(std::uint64_t h, std::uint32_t id) noexcept {
    std::size_t i = home(h);
    while (tags_[i] != 0) {
      if (++i == cap_) i = 0;
    }
    tags_[i] = tag_of(h);
    ids_[i] = id;
    ++size_;
  }

  // insert_new() from several threads at once, for ids whose addresses are
  // all distinct and absent: a slot is claimed by setting its tag with a
  // compare-and-swap. No find() may run meanwhile; add_size() afterwards.
  void insert_new_concurrent(std::uint64_t h, std::uint32_t id) noexcept {
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home(h);;) {
      std::atomic_ref<std::uint8_t> t(tags_[i]);
      std::uint8_t expected = 0;
      if (t.load(std::memory_order_relaxed) == 0 &&
          t.compare_exchange_strong(expected, tag, std::memory_order_relaxed)) {
        ids_[i] = id;  // read only after the inserting threads are joined
        return;
      }
      if (++i == cap_) i = 0;
    }
  }
  void add_size(std::size_t n) noexcept { size_ += n; }

  // find(), and when absent inserts `id` and returns none.
  template <class AddressOf>
  std::uint32_t find_or_insert(std::uint64_t h, std::string_view a, std::uint32_t id, AddressOf&& address_of) {
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home(h);;) {
      const std::uint8_t t = tags_[i];
      if (t == 0) {
        tags_[i] = tag;
        ids_[i] = id;
        ++size_;
        return none;
      }
      if (t == tag && address_of(ids_[i]) == a) return ids_[i];
      if (++i == cap_) i = 0;
    }
  }

 private:
  static std::uint8_t tag_of(std::uint64_t h) noexcept { return static_cast<std::uint8_t>(0x80 | (h & 0x7F)); }
  std::size_t home(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>((static_cast<uint128>(h) * cap_) >> 64);
  }
  std::unique_ptr<std::uint8_t[]> tags_;
  std::unique_ptr<std::uint32_t[]> ids_;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
};

// ProvenanceList::count_ bit marking a derived (twin) entry's list, whose
// first_ is then the original entry.
inline constexpr std::uint32_t derived_bit = 0x80000000u;
inline constexpr std::uint32_t no_original = 0xFFFFFFFFu;

struct Store {
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::uint32_t id = 0;  // in the registry (store_by_id)
  Arena arena;
  std::vector<std::string_view> strings;  // interned; strings[0] == ""
  std::vector<Origin> origins;
  std::vector<Entry> entries;  // listed, then stored (Stacks <-> Bitcoin) twins
  // Entry e of the listed entries owns records [first, first + count) of
  // its provenance list; record e is its first record until build().
  std::vector<Record> records;
  Index index;
  std::size_t listed = 0;  // entries [0, listed) are listed, the rest derived twins
  config::TwinsConfig twins{false, false};  // what derived the twins (part of the version)
  // Listed TRON entries whose EVM twin is not listed, by the hash of that
  // EVM spelling (evm_tron only).
  Index tron_by_evm;
  std::size_t lazy_twins = 0;  // EVM <-> TRON twins find() can make (not in `entries`)

  // The derived notes of records seen through a twin, made on first access.
  mutable std::mutex derived_mu;
  mutable Arena derived_arena;
  mutable boost::unordered_flat_map<std::uint32_t, std::string_view> derived_notes;  // by record
  // EVM <-> TRON twins found so far, by original entry (nodes do not move;
  // guarded by derived_mu).
  mutable std::unordered_map<std::uint32_t, Entry> lazy_entries;

  std::string_view address_of(std::uint32_t e) const noexcept { return entries[e].address; }

  // Record `record` as seen from an entry: the original's own provenance
  // when `original` is no_original, else the derived twin's view of the
  // original entry's record.
  Provenance provenance(std::uint32_t record, std::uint32_t original) const;
  std::string_view derived_notes_of(std::uint32_t record, std::uint32_t original) const;

  // May allocate (the first time a lazy twin is found); thread-safe.
  const Entry* find(std::string_view canonical) const {
    const std::uint64_t h = hash_address(canonical);
    if (twins.evm_tron) return find_with_twins(canonical, h);
    return find_stored(canonical, h);
  }
  const Entry* find_stored(std::string_view canonical, std::uint64_t h) const noexcept {
    const std::uint32_t e = index.find(h, canonical, [this](std::uint32_t id) { return entries[id].address; });
    return e == Index::none ? nullptr : &entries[e];
  }
  // Whether `canonical` is in `entries` (listed or a stored twin).
  bool stored(std::string_view canonical) const noexcept {
    return find_stored(canonical, hash_address(canonical)) != nullptr;
  }
  // find() with the EVM <-> TRON twins: the stored entry spelled
  // `canonical` (hash h), else its twin, made on first use; null when none.
  // The probe for the twin is started together with the first, so a miss
  // (what nearly every lookup is) waits for memory about once, not twice.
  const Entry* find_with_twins(std::string_view canonical, std::uint64_t h) const;
  // The twin of listed entry `original` on `chain` if `canonical` is its
  // canonical spelling. bytes20: the 20 bytes when `canonical` is a TRON
  // address matched by its bytes only (its checksum is then checked once);
  // null when the text itself matched.
  const Entry* lazy_twin(std::uint32_t original, std::string_view canonical, Chain chain,
                         const std::uint8_t* bytes20) const;
  // The twin of listed EVM or TRON entry e (canonical text); false when it has none.
  bool lazy_twin_text(std::uint32_t e, std::string& out) const;

  static ProvenanceList make_list(const Store* s, std::uint32_t first, std::uint32_t count) noexcept {
    ProvenanceList l;
    l.store_ = s->id;
    l.first_ = first;
    l.count_ = count;
    return l;
  }
  static std::uint32_t first_of(const ProvenanceList& l) noexcept { return l.first_; }
  static std::uint32_t raw_count(const ProvenanceList& l) noexcept { return l.count_; }
  static void set_range(ProvenanceList& l, std::uint32_t first, std::uint32_t count) noexcept {
    l.first_ = first;
    l.count_ = count;
  }
};

// The registry of live stores: ProvenanceList keeps a 32-bit id, not a pointer.
const Store* store_by_id(std::uint32_t id) noexcept;

// Hex SHA-256 over the store's content, independent of load order
// (docs/watchlists.md, "Version"), computed on `threads` threads.
std::string compute_version(const Store& s, unsigned threads = 1);

struct Sum;  // version.cpp

// The same, shared out in ranges of entries to threads that may join at
// different times: each calls work() until no range is left; then one
// calls finish(). Reads entries [0, s.listed) only, so it may run while
// twins are appended, as long as `entries` does not reallocate.
class VersionJob {
 public:
  static constexpr std::size_t range = 1 << 16;  // entries a thread takes at a time
  explicit VersionJob(const Store& s);
  ~VersionJob();
  VersionJob(const VersionJob&) = delete;
  VersionJob& operator=(const VersionJob&) = delete;
  void work();
  std::string finish();

 private:
  const Store& s_;
  const std::size_t n_;
  std::vector<std::array<std::uint8_t, 16>> origins_;  // origin digests
  std::atomic<std::size_t> next_{0};
  std::mutex mu_;
  std::unique_ptr<Sum> total_;
};

}  // namespace fw::watchlist::detail
