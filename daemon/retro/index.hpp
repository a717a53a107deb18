// Retro-scan index: a bounded, on-disk index of recent transfers, so that a
// transfer that arrived before its address was listed can still be found
// (and alerted as "transfer.retro") when the address is added.
//
// STORAGE
//  One SQLite file in WAL mode (normally <storage.dir>/retro.db). Table
//  `transfers` holds one row per transfer identity (retro/codec.hpp: deposits
//  by chain_name + deposit_id, chain transfers by chain_name, tx_id, asset,
//  senders, recipient, amount, occurrence) with the whole Transfer as a
//  compact binary blob and received_at (ms) in an indexed column. Table
//  `addresses` maps the 64-bit hash of every sender and of the recipient to
//  the row, so a scan is one index lookup per address.
//  Size: ~350 bytes per transfer on disk (EVM token transfers, measured at
//  1M), so the default 5M cap is ~1.75 GB. Writes: the key and address
//  B-trees are updated at random positions, so each transfer costs a few
//  page writes (WAL + checkpoint); ~6 KB written per transfer in bulk
//  (10,000 per batch), more at a low steady rate with small batches.
//
// SEMANTICS
//  - A later record() of the same identity REPLACES the stored transfer
//    (pending -> confirmed -> final, a credited deposit, a new revision),
//    whatever its status and times. received_at must be set: the epoch is
//    outside every window.
//  - A record() with status retracted REMOVES the stored transfer; it is never
//    returned by a scan (a later re-confirmation stores it again).
//  - The window is measured on Transfer::received_at against Options::now.
//    scan() returns only transfers with received_at >= now - window, even if
//    pruning has not yet removed older ones.
//  - Pruning: rows older than the window, and the oldest rows (by
//    received_at) beyond max_transfers, are deleted by the writer at open,
//    every prune_interval, and (cap) after a batch that exceeded the cap; in
//    chunks of at most 10,000 rows per transaction, so scans are not held up
//    behind a large prune.
//
// THREADS
//  One writer thread owns the database. Every method may be called from any
//  thread. record() copies the transfer into a bounded in-memory queue and
//  returns at once; it never waits for the disk. When the queue holds
//  max_queue transfers, further ones are dropped and counted
//  (Stats::dropped_queue_full). The writer inserts queued transfers in
//  batches, one transaction per batch (up to max_batch transfers, or what
//  arrived within batch_delay).
//  scan() is queued behind the transfers recorded before it: they are
//  committed first, so a scan sees every transfer recorded (on any thread)
//  before the scan() call. `done` runs ON THE WRITER THREAD; it must be
//  quick (post the result to another thread) and must not call flush() or
//  scan_wait() (they would wait for themselves; they fail at once instead).
//
// FAILURES
//  Never throws after open() and never crashes on a disk error. A failed
//  transaction is rolled back; its transfers are dropped (the index is a
//  best-effort aid, not a queue of record) and counted in
//  Stats::write_errors and Stats::dropped_write_error, with the message in
//  Stats::last_error for the caller to log. No logging here.
//
// LIFETIME
//  stop() (and the destructor) apply everything still queued, run the
//  queued scans (their callbacks run), then close the file. After stop(),
//  record() drops (counted in dropped_queue_full) and scan() answers at
//  once, on the calling thread, with ok = false.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/transfer.hpp"

namespace fw::retro {

struct Options {
  std::string path;  // the database file; its directory is created if missing
  std::chrono::seconds window{72 * 3600};  // > 0; config::RetroConfig::window_hours
  std::uint64_t max_transfers = 5'000'000;  // size cap; 0 = no cap
  bool sync_full = false;  // synchronous=FULL (fsync per batch); default NORMAL (survives a process crash)

  // Transfers waiting for the writer (about 1 KB of memory each); more are dropped.
  std::size_t max_queue = 100'000;
  // Transfers per transaction, and how long the writer waits to fill one.
  // Big batches matter: the key and address B-trees are updated at random
  // positions, so each transaction rewrites roughly one page per index entry
  // until a batch is large next to the index (bench: 10,000 per batch writes
  // ~4.5x fewer bytes than 1,000). Scans and flushes cut the wait short; a
  // crash loses at most the last batch_delay of index entries.
  std::size_t max_batch = 10'000;
  std::chrono::milliseconds batch_delay{1000};
  std::chrono::milliseconds prune_interval{60'000};  // periodic window/cap pruning
  std::size_t max_scan_results = 100'000;  // a scan stops there and sets ScanResult::truncated
  // How long a write waits for another connection's lock (an operator's
  // sqlite3 shell) before the transaction fails.
  std::chrono::milliseconds busy_timeout{5000};
  // The clock for the window (pruning and scans); empty = system_clock::now.
  std::function<std::chrono::system_clock::time_point()> now;
};

struct ScanResult {
  bool ok = true;
  std::string error;  // when !ok: why the scan failed (database error, index stopped)
  // Every stored, non-retracted transfer inside the window with a sender or
  // the recipient among the scanned addresses; each once, oldest
  // received_at first. Exactly as recorded (original received_at, block_time).
  std::vector<Transfer> transfers;
  std::size_t addresses_scanned = 0;     // distinct non-empty addresses looked up
  std::uint64_t rows_examined = 0;       // rows read and decoded (address-index hits inside the window)
  std::chrono::microseconds duration{};  // the lookup on the writer thread
  std::chrono::microseconds waited{};    // from scan() until the lookup started (queued writes first)
  bool truncated = false;                // more than Options::max_scan_results matched
};

// Cheap: atomics kept by the writer (last_error under a mutex).
struct Stats {
  std::uint64_t stored = 0;             // transfers in the file
  std::uint64_t bytes = 0;              // page_count * page_size of the main file (WAL excluded)
  std::uint64_t recorded = 0;           // record() calls accepted into the queue
  std::uint64_t inserted = 0;           // new rows written
  std::uint64_t replaced = 0;           // rows replaced by a later sighting
  std::uint64_t retracted = 0;          // rows removed because a retraction was recorded
  std::uint64_t dropped_window = 0;     // rows pruned as older than the window
  std::uint64_t dropped_cap = 0;        // rows pruned beyond max_transfers
  std::uint64_t dropped_queue_full = 0; // record() calls dropped: queue full or index stopped
  std::uint64_t dropped_write_error = 0;  // transfers lost in failed transactions
  std::uint64_t write_errors = 0;       // failed transactions (writes and prunes)
  std::uint64_t corrupt_rows = 0;       // stored blobs that did not decode (skipped by scans)
  std::uint64_t queued = 0;             // transfers waiting for the writer
  std::uint64_t scans = 0;              // scans completed (ok or not)
  std::chrono::microseconds last_scan_duration{};
  std::uint64_t last_scan_addresses = 0;
  std::uint64_t last_scan_transfers = 0;
  std::string last_error;               // last database error message, "" if none
};

class Index {
 public:
  using ScanFn = std::function<void(ScanResult)>;

  // Opens or creates the file (WAL), checks the schema, counts the rows and
  // starts the writer (whose first job is to prune). nullptr + `error` when
  // the file cannot be opened, is not a retro index, or has a newer schema.
  static std::unique_ptr<Index> open(const Options& options, std::string& error);

  ~Index();  // stop()
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Queues the transfer (a copy); see SEMANTICS. Never blocks on disk.
  void record(const Transfer& t);
  void record(Transfer&& t);

  // Queues a scan; `done` runs on the writer thread (see THREADS).
  void scan(std::vector<std::string> canonical_addresses, ScanFn done);
  // Blocking scan(), for tools and tests. Not from inside a `done` callback.
  ScanResult scan_wait(std::vector<std::string> canonical_addresses);

  // Waits until every transfer recorded before the call is committed (or
  // dropped). false if a transaction since the previous flush failed, or
  // when called on the writer thread.
  bool flush();

  // Drains the queue and stops the writer; idempotent.
  void stop();

  Stats stats() const;
  const Options& options() const noexcept;

  struct Impl;  // index.cpp

 private:
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::retro
