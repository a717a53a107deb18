// The watchlist: an immutable snapshot of listed addresses with provenance,
// and a holder that swaps snapshots atomically on reload.
//
// Readers (the matcher, lookups) call Holder::current() and keep the returned
// shared_ptr for as long as they use it; a reload builds a complete new
// Snapshot aside and publishes it with one atomic store. A reader therefore
// never sees a half-loaded list and never waits for a reload to finish.
//
// File formats, routing by syntax, canonical forms, strict mode and the
// version hash are described in docs/watchlists.md.
//
// Memory: a snapshot stores every string once. Addresses live in an arena,
// repetitive provenance strings (file, list, source, incident, severity,
// labels, ...) are interned, and a listing costs a 20-byte record. Entry and
// Provenance are therefore light VIEWS into the snapshot: their string_views
// stay valid exactly as long as the Snapshot that handed them out (hold the
// shared_ptr). Copy into std::string to keep a value longer.
//
// Threads: a Snapshot is immutable and safe to read from any number of
// threads. Builder is single-threaded. Holder is safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "address/address.hpp"
#include "config/config.hpp"
#include "core/chain.hpp"
#include "core/shared_slot.hpp"

namespace fw::watchlist {

namespace detail {
struct Store;  // arena, string table, entries and records of one snapshot
}

// Where one listing of an address came from. An address listed in several
// files (or several times) keeps every Provenance. All fields are views into
// the owning Snapshot (see the file comment); when passed to Builder::add()
// they are copied.
struct Provenance {
  std::string_view file;      // path as configured
  std::uint32_t line = 0;     // 1-based line of the row; 0 when added by code
  std::string_view list;      // watchlist name from config
  std::string_view label;     // "ALEX Lab exploiter", "Lazarus Group"
  std::string_view incident;  // "alex-lab-2024"
  std::string_view source;    // "OFAC SDN", "tayvano/lazarus-bluenoroff-research"
  std::string_view severity;  // "info", "low", "medium", "high", "critical"
  std::string_view added_at;  // as given in the file (ISO-8601 recommended); may be empty
  std::string_view notes;     // free text from the CSV "notes" column; may be empty
};

// The provenance records of one entry, in load order (files in config order,
// then line order). A read-only range whose elements are Provenance values
// made on access; cheap to copy.
class ProvenanceList {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using iterator_concept = std::forward_iterator_tag;
    using value_type = Provenance;
    using difference_type = std::ptrdiff_t;
    using reference = Provenance;
    using pointer = void;

    iterator() = default;
    Provenance operator*() const;
    iterator& operator++() noexcept { ++pos_; return *this; }
    iterator operator++(int) noexcept { auto t = *this; ++pos_; return t; }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.pos_ == b.pos_; }

   private:
    friend class ProvenanceList;
    iterator(const detail::Store* s, std::uint32_t pos, std::uint32_t original) noexcept
        : store_(s), pos_(pos), original_(original) {}
    const detail::Store* store_ = nullptr;
    std::uint32_t pos_ = 0;
    std::uint32_t original_ = 0xFFFFFFFFu;  // a twin's original entry, else none
  };

  std::size_t size() const noexcept { return count_ & 0x7FFFFFFFu; }
  bool empty() const noexcept { return size() == 0; }
  iterator begin() const noexcept;
  iterator end() const noexcept;
  Provenance operator[](std::size_t i) const;  // i < size()
  Provenance front() const { return (*this)[0]; }

 private:
  friend struct detail::Store;
  // 12 bytes, so that an Entry is 32: the store is named by its registry id.
  std::uint32_t store_ = 0;
  std::uint32_t first_ = 0;  // first record; for a derived twin, the original entry
  std::uint32_t count_ = 0;  // high bit: derived twin
};

struct Entry {
  std::string_view address;    // canonical (docs/watchlists.md)
  Chain chain = Chain::evm;
  ProvenanceList provenance;   // at least one
};

// One rejected line of a watchlist file.
struct LoadIssue {
  std::string file;         // path that was read
  std::uint32_t line = 0;   // 1-based; 0 for a problem with the whole file
  std::string reason;       // "bad checksum", "unknown chain 'foo'", ...
  std::string text;         // excerpt of the offending line
};

// "lists/x.csv:12: bad checksum: '0xAbC...'"
std::string format_issue(const LoadIssue& issue);

// What a file looked like when it was read; a reload on file change compares
// these. exists=false when the file could not be stat'ed.
struct FileStamp {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};
FileStamp stamp_file(const std::string& path) noexcept;

// `path` if absolute or base_dir empty, else base_dir/path.
std::string resolve_path(const std::string& path, const std::string& base_dir);

// One configured file as loaded into a snapshot.
struct FileSummary {
  std::string name;         // list name
  std::string path;         // resolved path that was read
  std::size_t rows = 0;     // rows accepted (a row listing a known address still counts)
  std::size_t issues = 0;   // rows rejected
  FileStamp stamp;          // the file as it was opened
};

class Snapshot {
 public:
  Snapshot();  // empty
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Canonical address -> entry, or nullptr. Constant time. Finds the
  // EVM <-> TRON twins too, which are not stored (see entries()): a twin's
  // Entry is made the first time it is found and stays at the same address.
  const Entry* find(std::string_view canonical) const;
  // Accepts any spelling (EIP-55 or lower-case EVM, TRON base58 or "41"+hex,
  // lower-case Stacks, ...): parses with address::parse_any first, after
  // trimming surrounding whitespace. "0x"+40 hex is read as EVM; use the
  // chain overload for TRON hex with a 0x prefix. Unparseable -> nullptr.
  const Entry* lookup(std::string_view any_spelling) const;
  const Entry* lookup(Chain chain, std::string_view text) const;

  // Every entry: listed entries and all their twins.
  std::size_t size() const noexcept;
  // The stored entries: the listed ones in load order, then the Stacks <->
  // Bitcoin twins. EVM <-> TRON twins are not stored (there can be millions
  // and few are ever asked for): find() makes them on demand, addresses()
  // and added_since() list them. Entries point into this snapshot.
  const std::vector<Entry>& entries() const noexcept;
  // The canonical address of every entry on `chain`, twins included.
  std::vector<std::string> addresses(Chain chain) const;
  // The canonical addresses of the entries (twins included) that `previous`
  // does not find: what a reload added. Everything when previous is null.
  std::vector<std::string> added_since(const Snapshot* previous) const;
  // Hex SHA-256 over the content (per-entry SHA-256 digests added up, so
  // independent of load order); equal content gives an equal version
  // whatever the file order. Format in docs/watchlists.md, "Version".
  const std::string& version() const noexcept { return version_; }
  std::chrono::system_clock::time_point loaded_at() const noexcept { return loaded_at_; }
  // Rejected lines; at most Builder::max_stored_issues_per_file per file are
  // kept, issue_count() counts all of them.
  const std::vector<LoadIssue>& issues() const noexcept { return issues_; }
  std::size_t issue_count() const noexcept { return issue_count_; }
  const std::vector<FileSummary>& files() const noexcept { return files_; }

 private:
  friend class Builder;
  std::unique_ptr<detail::Store> store_;
  std::string version_;
  std::chrono::system_clock::time_point loaded_at_{};
  std::vector<LoadIssue> issues_;
  std::size_t issue_count_ = 0;
  std::vector<FileSummary> files_;
};

// Builds a Snapshot from configured files. Not thread-safe (one caller);
// it may use worker threads of its own (set_threads). After add_file()
// returned false the builder holds part of that file: discard it (load() does).
class Builder {
 public:
  static constexpr std::size_t max_stored_issues_per_file = 1000;

  Builder();
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  // Adds one address with its provenance (strings are copied); merges with
  // an existing entry of the same canonical address.
  void add(const address::Address& a, const Provenance& p);
  // Loads a CSV or text file as configured. Bad lines become LoadIssues;
  // returns false (with `error`) only when the file cannot be read or has no
  // usable header, or when it is strict and has a bad line. A remote list
  // (f.remote set) whose cache file does not exist yet loads as empty with
  // one LoadIssue ("remote list not fetched yet").
  bool add_file(const config::WatchlistFile& f, const std::string& base_dir, std::string& error);
  // Cross-chain key twins to derive when build() runs (twins.hpp); none by
  // default. load() passes the configured watchlists.twins.
  void set_twins(const config::TwinsConfig& twins);
  // Threads used to parse files, derive twins and hash the version: 0 (the
  // default) = std::thread::hardware_concurrency(), 1 = the caller's thread
  // only. Files are parsed in chunks in parallel and merged in file order,
  // so the result does not depend on the thread count.
  void set_threads(unsigned threads);
  // Finishes the snapshot: adds the twins set with set_twins(), computes the
  // version; the builder is empty afterwards (its twins and threads settings stay).
  std::shared_ptr<const Snapshot> build();
  const std::vector<LoadIssue>& issues() const noexcept { return issues_; }
  std::size_t issue_count() const noexcept { return issue_count_; }

 private:
  struct Impl;
  void note_issue(const std::string& file, std::uint32_t line, std::string reason, std::string_view text,
                  std::size_t& stored_for_file);
  std::unique_ptr<Impl> impl_;
  std::vector<LoadIssue> issues_;
  std::size_t issue_count_ = 0;
  std::vector<FileSummary> files_;
  config::TwinsConfig twins_{false, false};
  unsigned threads_ = 0;
};

struct LoadOutcome {
  std::shared_ptr<const Snapshot> snapshot;  // null when the load failed
  std::string error;                         // why it failed
  std::vector<LoadIssue> issues;             // bad lines seen, also when the load failed (capped)
  std::size_t issue_count = 0;               // all bad lines seen
};

// Loads every configured file into a new snapshot, with the twins cfg.twins
// asks for (docs/watchlists.md, "Twins"), on `threads` threads (0 = all
// hardware threads: for the initial load; the Reloader uses 1 so that a
// reload does not starve ingest).
LoadOutcome load(const config::WatchlistsConfig& cfg, const std::string& base_dir, unsigned threads = 0);

// Holds the live snapshot. current() is lock-free for readers in practice
// (core/shared_slot.hpp); publish() replaces it in one store.
class Holder {
 public:
  explicit Holder(std::shared_ptr<const Snapshot> initial);
  std::shared_ptr<const Snapshot> current() const noexcept { return current_.load(); }
  void publish(std::shared_ptr<const Snapshot> next) noexcept { current_.store(std::move(next)); }

 private:
  SharedSlot<const Snapshot> current_;
};

}  // namespace fw::watchlist
