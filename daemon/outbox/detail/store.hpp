// The outbox's SQL: schema, pragmas and one prepared statement per operation.
// Internal to fw_outbox. Synchronous and single-threaded: the Outbox writer
// thread owns the Store (open() runs on the caller's thread before the writer
// starts). Each operation returns a value; nothing here logs or throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/detail/sqlite.hpp"
#include "outbox/outbox.hpp"

namespace fw::outbox::detail {

inline constexpr std::int64_t kSchemaVersion = 2;  // 2: source_state
inline constexpr std::int64_t kApplicationId = 0x46574f42;  // "FWOB"

struct Counts {
  std::uint64_t pending = 0;
  std::uint64_t dead = 0;
  std::int64_t oldest_pending_created_at_ms = 0;  // 0 = none
};

class Store {
 public:
  // Opens the file: WAL, synchronous, busy_timeout, schema (created or
  // checked), prepared statements. false + `error` on failure.
  bool open(const Options& options, std::string& error);

  // BEGIN IMMEDIATE: takes the write lock up front (waiting busy_timeout for
  // another process), so a reader never has to be upgraded mid-transaction.
  bool begin(std::string& error);
  bool commit(std::string& error);
  void rollback() noexcept;

  enum class Insert { inserted, duplicate, rejected, failed };
  // rejected: this record alone is refused (CHECK, too big); the transaction
  // stays usable. failed: the transaction must be rolled back and retried.
  Insert insert(const Record& r, std::int64_t created_at_ms, std::int64_t& seq, std::string& error);

  // Row updates return the number of rows changed (0 or 1), or -1 on failure.
  int mark_delivered(std::int64_t seq, std::int64_t now_ms, std::string& error);
  int reschedule(std::int64_t seq, std::uint32_t attempts, std::int64_t next_ms, std::string_view last_error,
                 std::string& error);
  int dead_letter(std::int64_t seq, int http_status, std::string_view excerpt, std::string_view reason,
                  std::optional<std::uint32_t> attempts, std::int64_t now_ms, std::string& error);

  // Clears every requeued flag and appends the rows that were flagged and are pending, in seq order.
  bool take_requeued(std::vector<Record>& out, std::string& error);
  // Clears every requeued flag and appends every pending row, in seq order.
  bool load_pending(std::vector<Record>& out, std::string& error);
  bool dlq_list(std::size_t limit, std::vector<DeadLetter>& out, std::string& error);
  // dead -> pending (attempts 0, due now, requeued); rows moved, -1 on failure.
  std::int64_t dlq_retry(std::optional<std::int64_t> seq, std::int64_t now_ms, std::string& error);
  // Deletes delivered rows with delivered_at_ms <= cutoff; rows deleted, -1 on failure.
  std::int64_t prune_delivered(std::int64_t cutoff_ms, std::string& error);

  // source_state: one row per key (a chain source's cursor + window).
  bool put_state(const std::string& key, const std::string& value, std::int64_t now_ms, std::string& error);
  bool get_state(const std::string& key, std::optional<std::string>& out, std::string& error);

  bool counts(Counts& out, std::string& error);
  bool oldest_pending(std::int64_t& out, std::string& error);

  Db& db() noexcept { return db_; }

 private:
  bool configure(const Options& options, std::string& error);
  bool ensure_schema(std::string& error);
  bool prepare_all(std::string& error);
  int update_one(Stmt& s, std::string& error);
  bool read_records(Stmt& s, std::vector<Record>& out, std::string& error);

  Db db_;
  Stmt begin_, commit_, rollback_;
  Stmt insert_, delivered_, reschedule_, dead_, dead_attempts_;
  Stmt take_requeued_, clear_requeued_, load_pending_, dlq_list_, retry_one_, retry_all_, prune_;
  Stmt count_pending_, count_dead_, oldest_pending_;
  Stmt put_state_, get_state_;
};

}  // namespace fw::outbox::detail
