// The watchlist: an immutable snapshot of listed addresses with provenance,
// and a holder that swaps snapshots atomically on reload.
//
// Readers (the matcher, lookups) call Holder::current() and keep the returned
// shared_ptr for as long as they use it; a reload builds a complete new
// Snapshot aside and publishes it with one atomic store. A reader therefore
// never sees a half-loaded list and never waits for a reload to finish.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "address/address.hpp"
#include "config/config.hpp"

namespace fw::watchlist {

// Where one listing of an address came from. An address listed in several
// files (or several times) keeps every Provenance.
struct Provenance {
  std::string file;      // path as configured
  std::uint32_t line = 0;
  std::string list;      // watchlist name from config
  std::string label;     // "ALEX Lab exploiter", "Lazarus Group"
  std::string incident;  // "alex-lab-2024"
  std::string source;    // "OFAC SDN", "tayvano/lazarus-bluenoroff-research"
  std::string severity;  // "high", "critical", ...
  std::string added_at;  // as given in the file (ISO-8601 recommended); may be empty
};

struct Entry {
  std::string address;  // canonical
  Chain chain = Chain::evm;
  std::vector<Provenance> provenance;  // at least one
};

// One rejected line of a watchlist file.
struct LoadIssue {
  std::string file;
  std::uint32_t line = 0;
  std::string reason;  // "bad checksum", "unknown chain 'foo'", ...
  std::string text;    // excerpt of the offending line
};

class Snapshot {
 public:
  // Canonical address -> entry, or nullptr.
  const Entry* find(std::string_view canonical) const noexcept;
  // Accepts any spelling: parses with address::parse_any (or parse(chain)) first.
  const Entry* lookup(std::string_view any_spelling) const;

  std::size_t size() const noexcept { return entries_.size(); }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  // Hex SHA-256 over the sorted canonical entries and their provenance; equal
  // content gives an equal version whatever the file order.
  const std::string& version() const noexcept { return version_; }
  std::chrono::system_clock::time_point loaded_at() const noexcept { return loaded_at_; }
  const std::vector<LoadIssue>& issues() const noexcept { return issues_; }

 private:
  friend class Builder;
  std::vector<Entry> entries_;
  boost::unordered_flat_map<std::string, std::uint32_t> index_;  // canonical -> entries_ index
  std::string version_;
  std::chrono::system_clock::time_point loaded_at_{};
  std::vector<LoadIssue> issues_;
};

// Builds a Snapshot from configured files. Not thread-safe; build one per load.
class Builder {
 public:
  // Adds one address with its provenance; merges with an existing entry.
  void add(const address::Address& a, Provenance p);
  // Loads a CSV or text file as configured. Bad lines become LoadIssues;
  // returns false (with `error`) only when the file cannot be read, or when
  // it is strict and has a bad line.
  bool add_file(const config::WatchlistFile& f, const std::string& base_dir, std::string& error);
  std::shared_ptr<const Snapshot> build();
  const std::vector<LoadIssue>& issues() const noexcept { return issues_; }

 private:
  std::vector<Entry> entries_;
  boost::unordered_flat_map<std::string, std::uint32_t> index_;
  std::vector<LoadIssue> issues_;
};

struct LoadOutcome {
  std::shared_ptr<const Snapshot> snapshot;  // null when the load failed
  std::string error;                         // why it failed
};

// Loads every configured file into a new snapshot.
LoadOutcome load(const config::WatchlistsConfig& cfg, const std::string& base_dir);

// Holds the live snapshot. current() is lock-free for readers in practice
// (std::atomic<std::shared_ptr>); publish() replaces it in one store.
class Holder {
 public:
  explicit Holder(std::shared_ptr<const Snapshot> initial);
  std::shared_ptr<const Snapshot> current() const noexcept { return current_.load(std::memory_order_acquire); }
  void publish(std::shared_ptr<const Snapshot> next) noexcept { current_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace fw::watchlist
