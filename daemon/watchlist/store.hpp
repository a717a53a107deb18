// Internal: the storage behind one Snapshot (not part of the public API).
//
// Layout, chosen so that ten million listings fit in well under 1.5 GB:
//   - canonical addresses are copied once into an arena of large chunks;
//   - every provenance string is interned once into the same arena and named
//     by a 32-bit id (0 = "");
//   - the per-file part of a provenance (file, list, source, incident,
//     severity) is interned as an Origin tuple, so a listing is a 20-byte
//     Record (line, origin, label, added_at, notes);
//   - the index is a flat set of 32-bit entry numbers hashed through the
//     entries' addresses (4 bytes a slot instead of a string key).
// A Store never moves (the index's hasher points at it): it lives behind a
// unique_ptr, first in the Builder and then in the Snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "watchlist/watchlist.hpp"

namespace fw::watchlist::detail {

// Append-only storage for bytes; returned views stay valid for its lifetime.
class Arena {
 public:
  std::string_view copy(std::string_view s);
  std::size_t bytes_reserved() const noexcept { return reserved_; }

 private:
  static constexpr std::size_t chunk_size = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cur_ = nullptr;
  std::size_t left_ = 0;
  std::size_t reserved_ = 0;
};

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

struct IndexHash {
  using is_transparent = void;
  using is_avalanching = void;  // forwards to boost::hash<string_view>, which avalanches
  const Store* store = nullptr;
  std::size_t operator()(std::uint32_t entry) const noexcept;
  std::size_t operator()(std::string_view address) const noexcept {
    return boost::hash<std::string_view>()(address);
  }
};

struct IndexEq {
  using is_transparent = void;
  const Store* store = nullptr;
  bool operator()(std::uint32_t a, std::uint32_t b) const noexcept { return a == b; }
  bool operator()(std::string_view a, std::uint32_t b) const noexcept;
  bool operator()(std::uint32_t a, std::string_view b) const noexcept { return (*this)(b, a); }
};

struct Store {
  Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Arena arena;
  std::vector<std::string_view> strings;  // interned; strings[0] == ""
  std::vector<Origin> origins;
  std::vector<Entry> entries;
  // Grouped by entry once built: entry e owns records
  // [e.provenance.first_, e.provenance.first_ + e.provenance.count_).
  std::vector<Record> records;
  boost::unordered_flat_set<std::uint32_t, IndexHash, IndexEq> index;

  Provenance provenance(std::uint32_t record) const noexcept {
    const Record& r = records[record];
    const Origin& o = origins[r.origin];
    return Provenance{strings[o.file],   r.line,           strings[o.list],
                      strings[r.label],  strings[o.incident], strings[o.source],
                      strings[o.severity], strings[r.added_at], strings[r.notes]};
  }

  const Entry* find(std::string_view canonical) const noexcept {
    auto it = index.find(canonical);
    return it == index.end() ? nullptr : &entries[*it];
  }

  static ProvenanceList make_list(const Store* s, std::uint32_t first, std::uint32_t count) noexcept {
    ProvenanceList l;
    l.store_ = s;
    l.first_ = first;
    l.count_ = count;
    return l;
  }
  static void set_range(ProvenanceList& l, std::uint32_t first, std::uint32_t count) noexcept {
    l.first_ = first;
    l.count_ = count;
  }
};

inline std::size_t IndexHash::operator()(std::uint32_t entry) const noexcept {
  return (*this)(store->entries[entry].address);
}

inline bool IndexEq::operator()(std::string_view a, std::uint32_t b) const noexcept {
  return store->entries[b].address == a;
}

// Hex SHA-256 over the store's content, independent of load order
// (docs/watchlists.md, "Version").
std::string compute_version(const Store& s);

}  // namespace fw::watchlist::detail
