// Durable outbox: the queue of alert records between `alert` and `delivery`.
// An SQLite database in WAL mode (normally <storage.dir>/outbox.db); it stores
// opaque payload bytes and knows nothing of JSON, HTTP or matching.
//
// INVARIANTS
//  1. Durable before emitted. append() returns at once; the records count as
//     emitted only when `on_durable` runs, and it runs only after the
//     transaction holding them has committed. Nothing is handed to delivery
//     from memory alone.
//  2. seq increases. Every inserted record gets a seq greater than every seq
//     ever handed out by this file (AUTOINCREMENT: never reused, not even after
//     old rows are pruned). Within one append() call seqs follow vector order.
//  3. One row per (alert_id, endpoint). An alert already held -- pending,
//     delivered or dead -- is never inserted twice: the duplicate is left out
//     of `on_durable`'s vector and counted in Stats::duplicates. Delivered rows
//     are kept (payload included, for forensics) for
//     Options::retain_delivered_ms (default 7 days) and then pruned (at open
//     and every prune_interval_ms), so this dedup holds across restarts within
//     that window. Dead rows are never pruned.
//  4. At-least-once. A row leaves the pending state only through
//     mark_delivered (after a 2xx) or dead_letter (after the delivery policy
//     gave up); both are themselves durable writes. A crash between a 2xx and
//     the commit of mark_delivered re-sends the alert once more with the same
//     alert_id, which receivers dedupe on (webhook-id).
//  5. Restart. load_pending() returns every pending row in seq order with its
//     original alert_id, payload bytes, attempts and next_attempt_at_ms. It
//     also clears the `requeued` flags, so a row is handed out by exactly one
//     of load_pending() and take_requeued().
//  6. Dead letters keep the HTTP status (0 = no response), a response excerpt
//     and the reason, and stay until an operator re-queues them
//     (`freezewatch dlq retry`, possibly from ANOTHER process while the daemon
//     runs). dlq_retry() moves them back to pending with attempts 0, due now,
//     flagged `requeued`; the daemon's take_requeued() returns each such row
//     exactly once.
//  7. Failed writes are never dropped silently. A failed commit is rolled back,
//     logged at error level, counted in Stats::write_errors and retried with
//     backoff (100 ms .. 5 s) until it succeeds; the writer never throws.
//     A single record the schema refuses (empty alert_id or endpoint, a value
//     too big) is rejected alone: logged, counted in Stats::rejected, left out
//     of `on_durable`; the rest of its batch commits.
//
// DURABILITY (Options::sync)
//  - normal: WAL + synchronous=NORMAL. The WAL is written at every commit, so
//    a committed batch survives a process crash (kill -9); the last commits
//    before a power loss / kernel crash may be lost (they are fsynced at
//    checkpoint). Commit costs a write(), no fsync: tens of microseconds.
//    Checkpoints (which do fsync) never run on the writer: its connection has
//    wal_autocheckpoint off, and a checkpointer thread with its own
//    connection runs PRAGMA wal_checkpoint(PASSIVE) once a second.
//  - full: WAL + synchronous=FULL. Each commit fsyncs the WAL; also survives
//    power loss, at the cost of one fsync per batch (0.1 .. 10 ms by disk).
//
// THREADS
//  One writer thread owns the connection. Every method may be called from any
//  thread. The write methods (append, mark_delivered, reschedule, dead_letter)
//  only enqueue and return at once, so disk latency never stalls the caller
//  (the network thread). The writer drains everything queued -- up to
//  max_batch records -- into ONE transaction (group commit) and then calls the
//  `on_durable` callbacks of that batch, in order, on the writer thread; they
//  must be quick (post to the io thread) and must not call the blocking
//  methods below (they would wait for themselves; they return at once with an
//  error instead).
//  The blocking methods (load_pending, take_requeued, dlq_list, dlq_retry,
//  prune_delivered, flush) go through the same queue and wait for their batch
//  to commit, so they see every write enqueued before them. Ops are applied in
//  call order. If their batch fails they are answered with the error at once
//  (not retried). The io thread should not block: it polls for rows re-queued
//  by the CLI with take_requeued_async (e.g. every few seconds) and posts the
//  result back to itself, as it does with on_durable.
//  The queue is unbounded: Stats::queued shows what waits for the disk.
//
// LIFETIME
//  The destructor applies everything still queued (callbacks still run, on
//  the writer thread; keep their targets alive until the Outbox is gone),
//  then closes the file. If the disk still fails at shutdown it gives up
//  after a few attempts and logs how many records were not persisted.
//  One daemon per file; other processes (the CLI) may open it concurrently
//  (busy_timeout) but must not call load_pending/take_requeued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fw::outbox {

enum class State : std::uint8_t { pending, delivered, dead };
const char* to_string(State s) noexcept;

struct Record {
  std::int64_t seq = 0;                 // set by the outbox on insert; ignored by append()
  std::string alert_id;                 // webhook-id; non-empty; (alert_id, endpoint) unique
  std::string endpoint;                 // webhook name from the config; non-empty
  std::string event_type;               // e.g. "transfer.pending"
  std::string payload;                  // exact body bytes, stored and returned unchanged
  std::int64_t created_at_ms = 0;       // unix ms; 0 on append() = now
  std::uint32_t attempts = 0;           // delivery attempts made so far
  std::int64_t next_attempt_at_ms = 0;  // unix ms; 0 = due at once
  std::string last_error;               // last delivery error, "" if none
  State state = State::pending;
};

struct DeadLetter {
  std::int64_t seq = 0;
  std::string alert_id;
  std::string endpoint;
  std::string event_type;
  int http_status = 0;                  // 0 = no HTTP response (timeouts, refused, ...)
  std::string reason;                   // why delivery gave up
  std::string response_excerpt;         // start of the response body (<= kMaxExcerptBytes)
  std::int64_t created_at_ms = 0;
  std::int64_t dead_at_ms = 0;
  std::uint32_t attempts = 0;
  std::string last_error;
  std::size_t payload_bytes = 0;
};

inline constexpr std::size_t kMaxExcerptBytes = 4096;  // longer excerpts/reasons/errors are cut

struct Options {
  std::string path;  // the database file, e.g. <storage.dir>/outbox.db
  enum class Sync { normal, full } sync = Sync::normal;  // see DURABILITY above
  std::size_t max_batch = 1024;     // records (or ops) per transaction; one append() is never split
  std::int64_t retain_delivered_ms = 7LL * 24 * 3600 * 1000;  // dedup window for delivered rows
  std::int64_t prune_interval_ms = 10 * 60 * 1000;            // how often delivered rows are pruned
  std::int64_t busy_timeout_ms = 5000;  // wait for another process's write lock (CLI vs daemon)
  bool create_if_missing = true;    // false: open() fails when the file does not exist (CLI)
};

// Cheap: atomics maintained by the writer, initialised from the file at open.
// pending/dead lag a change made by another process (dlq retry) until the next
// take_requeued that returns rows, which recounts them.
struct Stats {
  std::uint64_t pending = 0;                  // rows waiting for delivery
  std::int64_t oldest_pending_created_at_ms = 0;  // 0 when nothing is pending
  std::uint64_t dead = 0;                     // dead-letter rows
  std::uint64_t write_errors = 0;             // failed transactions (each retried) + rejected records
  std::uint64_t rejected = 0;                 // records the schema refused (never inserted)
  std::uint64_t commits = 0;                  // committed write transactions since open
  std::uint64_t inserted = 0;                 // records inserted since open
  std::uint64_t duplicates = 0;               // records ignored as already held, since open
  std::uint64_t queued = 0;                   // ops waiting for the writer
};

class Outbox {
 public:
  using DurableFn = std::function<void(std::vector<Record> inserted)>;
  using RequeuedFn = std::function<void(std::vector<Record> requeued)>;

  // Opens (creating if allowed) the file, switches it to WAL, creates or checks
  // the schema, prunes expired delivered rows and starts the writer thread.
  // nullptr + `error` on failure (unwritable dir, not a database, newer schema).
  static std::unique_ptr<Outbox> open(const Options& options, std::string& error);

  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // --- non-blocking writes (enqueue, return at once) ---

  // Inserts the records (seq, state ignored). `on_durable` runs on the writer
  // thread after commit with the records actually inserted (seq set, in input
  // order; duplicates and rejected records omitted; possibly empty). May be empty.
  void append(std::vector<Record> records, DurableFn on_durable);
  // pending -> delivered (after a 2xx). Unknown or non-pending seq: no-op.
  void mark_delivered(std::int64_t seq);
  // Records a failed attempt; the row stays pending.
  void reschedule(std::int64_t seq, std::uint32_t attempts, std::int64_t next_attempt_at_ms, std::string last_error);
  // pending -> dead, keeping the status, a response excerpt and the reason.
  // `attempts`, when given, replaces the stored attempt count (the final
  // attempt usually follows the last reschedule).
  void dead_letter(std::int64_t seq, int http_status, std::string response_excerpt, std::string reason,
                   std::optional<std::uint32_t> attempts = std::nullopt);
  // Stores `value` under `key` (a source's cursor and lifecycle window),
  // replacing the previous value, in call order with the appends: once it is
  // durable, so is every alert appended before it. `on_durable` runs on the
  // writer thread after the commit (may be empty).
  void save_state(std::string key, std::string value, std::function<void()> on_durable);

  // Async take_requeued: `done` runs on the writer thread after the flags are
  // cleared durably (never on error; the rows stay flagged for the next call).
  void take_requeued_async(RequeuedFn done);

  // --- blocking (wait for their batch to commit; `error` set on failure) ---
  // The value last saved under `key`, nullopt if none (or on error).
  std::optional<std::string> load_state(const std::string& key, std::string* error = nullptr);

  // Every pending row in seq order; clears all requeued flags. Call once at
  // start-up, before producers append (else a record may also reach on_durable).
  std::vector<Record> load_pending(std::string* error = nullptr);
  // Rows re-queued (by dlq_retry, any process) since the last call, in seq order, once each.
  std::vector<Record> take_requeued(std::string* error = nullptr);
  // Dead letters, newest first, at most `limit` (0 = all).
  std::vector<DeadLetter> dlq_list(std::size_t limit, std::string* error = nullptr);
  // Re-queues one dead letter (seq) or all (nullopt); returns how many moved.
  std::size_t dlq_retry(std::optional<std::int64_t> seq, std::string* error = nullptr);
  // Deletes delivered rows older than retain_delivered_ms now (also done
  // periodically by the writer); returns how many were deleted.
  std::size_t prune_delivered(std::string* error = nullptr);
  // Waits until everything enqueued before the call is committed. false if
  // that transaction failed (its writes are still retried; see invariant 7).
  bool flush();

  Stats stats() const;
  const std::string& path() const noexcept;

  struct Impl;  // outbox.cpp

 private:
  explicit Outbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::outbox
