// Internal: a watchlist file parsed in chunks by worker threads
// (Builder::add_file). Each worker turns a 4 MiB chunk of lines into rows
// (canonical address, hash, provenance as the worker's own string and
// origin ids) that the Builder merges in file order. Not part of the public
// API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "address/address.hpp"
#include "config/config.hpp"
#include "core/chain.hpp"
#include "watchlist/intern.hpp"
#include "watchlist/store.hpp"

namespace fw::watchlist::detail {

// Files are parsed in chunks of about this size.
inline constexpr std::size_t chunk_bytes = std::size_t{4} << 20;

// One accepted row, as a worker parsed it. String and origin ids are the
// worker's own (translated to the snapshot's when merged); line is relative
// to the chunk.
struct Row {
  std::uint32_t line = 0;
  std::uint32_t origin = 0;
  std::uint32_t label = 0;
  std::uint32_t added_at = 0;
  std::uint32_t notes = 0;
  std::uint32_t addr_off = 0;
  std::uint64_t hash = 0;
  std::uint16_t addr_len = 0;
  Chain chain = Chain::evm;
};

struct ChunkIssue {
  std::uint32_t line = 0;  // relative to the chunk
  std::string reason;
  std::string text;  // excerpt
};

struct ChunkOut {
  unsigned worker = 0;
  std::vector<Row> rows;
  std::string addrs;
  std::vector<std::string_view> new_strings;              // the worker's ids first_new.. in order
  std::vector<std::array<std::uint32_t, 3>> new_origins;  // (source, incident, severity) worker string ids
  std::uint32_t lines = 0;
  std::vector<ChunkIssue> issues;  // at most max_stored_issues_per_file
  std::size_t issue_count = 0;
  std::size_t twin_rows = 0;  // rows that may get a stored twin (for reserving)
  std::uint64_t bytes = 0;
  std::string error;  // fatal: read error
};

struct OriginKey {
  std::uint32_t source = 0, incident = 0, severity = 0;
  friend bool operator==(const OriginKey&, const OriginKey&) = default;
};

// What one worker keeps across the chunks of a file: its string and origin
// ids (ChunkOut::new_* tell the merger about new ones) and scratch space.
// A parsed row whose provenance is not interned yet (ChunkParser::resolve):
// strings are severity, source, incident, label, added_at, notes.
struct Pending {
  static constexpr int fields = 6;
  static constexpr std::size_t batch = 16;  // rows interned together
  std::size_t row = 0;                      // in ChunkOut::rows
  std::string_view text[fields];
  InternTable::Key key[fields];
  std::uint32_t id[fields];
};

struct Worker {
  Arena arena;
  std::array<Pending, Pending::batch> pending;  // [0, pending_count): parsed rows not interned yet
  std::size_t pending_count = 0;
  std::array<std::vector<std::string>, Pending::batch> owned;  // quoted fields of pending rows
  InternTable string_ids;
  std::uint32_t strings = 1;  // id 0 = ""
  TripleTable origin_ids;
  std::uint32_t origins = 0;
  address::Address scratch;
  std::string parse_error;
  std::vector<std::string> fields;
  std::vector<std::string_view> views;
  std::string lower, why;
  std::string buf;

  std::uint32_t intern(std::string_view s, ChunkOut& out) { return intern(s, InternTable::key_of(s), out); }
  std::uint32_t intern(std::string_view s, const InternTable::Key& k, ChunkOut& out) {
    if (s.empty()) return 0;
    if (const std::uint32_t id = string_ids.find(s, k); id != InternTable::none) return id;
    const std::string_view kept = arena.copy(s);
    string_ids.insert(kept, k, strings);
    out.new_strings.push_back(kept);
    return strings++;
  }
  std::uint32_t origin(const OriginKey& k, ChunkOut& out) {
    const std::uint32_t id = origin_ids.find(k.source, k.incident, k.severity);
    if (id != TripleTable::none) return id;
    origin_ids.insert(k.source, k.incident, k.severity, origins);
    out.new_origins.push_back({k.source, k.incident, k.severity});
    return origins++;
  }
};

// A file being loaded in chunks.
struct FileJob {
  const config::WatchlistFile* file = nullptr;
  std::string path;
  int fd = -1;
  std::uint64_t size = 0;
  std::uint64_t start = 0;     // first byte after the header
  std::uint32_t base_line = 0; // lines before `start`
  bool csv = true;
  config::TwinsConfig twins{false, false};
  // CSV columns (index into the row's fields, -1 = absent).
  enum Col { address_col, chain_col, label_col, incident_col, source_col, severity_col, added_at_col, notes_col, n_cols };
  int col[n_cols] = {-1, -1, -1, -1, -1, -1, -1, -1};
  std::size_t header_fields = 0;
  std::size_t chunks = 0;

  std::uint64_t chunk_begin(std::size_t k) const noexcept {
    return k >= chunks ? size : start + static_cast<std::uint64_t>(k) * chunk_bytes;
  }
  // Whether a row on chain c may get a STORED twin (Stacks <-> Bitcoin;
  // EVM <-> TRON twins are not stored, store.hpp).
  bool can_store_twin(Chain c) const noexcept {
    return (c == Chain::stacks || c == Chain::bitcoin) && twins.stacks_bitcoin;
  }
};

// Parses chunk k of `job` into `out` with `w`'s tables and scratch space.
// Read errors are reported in out.error; bad lines in out.issues.
void parse_chunk(const FileJob& job, Worker& w, ChunkOut& out, std::size_t k);

}  // namespace fw::watchlist::detail
