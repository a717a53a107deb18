#include "outbox/detail/store.hpp"

#include <algorithm>
#include <filesystem>

namespace fw::outbox::detail {
namespace {

// state is TEXT so an operator's `sqlite3 outbox.db` session reads plainly.
// Partial indexes keep the hot queries proportional to the rows they want
// (pending, dead, requeued), not to the days of delivered rows kept for dedup.
constexpr const char* kSchema = R"sql(
CREATE TABLE outbox (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id           TEXT    NOT NULL CHECK (length(alert_id) > 0),
  endpoint           TEXT    NOT NULL CHECK (length(endpoint) > 0),
  event_type         TEXT    NOT NULL,
  payload            BLOB    NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
  last_error         TEXT    NOT NULL DEFAULT '',
  state              TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  requeued           INTEGER NOT NULL DEFAULT 0,
  delivered_at_ms    INTEGER,
  dead_at_ms         INTEGER,
  http_status        INTEGER,
  reason             TEXT,
  response_excerpt   TEXT,
  UNIQUE (alert_id, endpoint)
);
CREATE INDEX outbox_pending_seq     ON outbox (seq)             WHERE state = 'pending';
CREATE INDEX outbox_pending_created ON outbox (created_at_ms)   WHERE state = 'pending';
CREATE INDEX outbox_dead            ON outbox (dead_at_ms)      WHERE state = 'dead';
CREATE INDEX outbox_delivered       ON outbox (delivered_at_ms) WHERE state = 'delivered';
CREATE INDEX outbox_requeued        ON outbox (seq)             WHERE requeued = 1;
)sql";

// Schema 2: chain sources keep their cursor and lifecycle window here, written
// in the same transactions as the alerts they produced.
constexpr const char* kStateSchema = R"sql(
CREATE TABLE IF NOT EXISTS source_state (
  key           TEXT    PRIMARY KEY,
  value         BLOB    NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql";

#define FW_RECORD_COLUMNS \
  "seq, alert_id, endpoint, event_type, payload, created_at_ms, attempts, next_attempt_at_ms, last_error, state"

std::string_view cut(std::string_view s) { return s.substr(0, std::min(s.size(), kMaxExcerptBytes)); }

State state_from(std::string_view s) {
  if (s == "delivered") return State::delivered;
  if (s == "dead") return State::dead;
  return State::pending;
}

// Errors that concern one record's values, not the database: the statement is
// undone by SQLite but the transaction survives.
bool is_record_error(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return true;
    default: return false;
  }
}

}  // namespace

bool Store::open(const Options& options, std::string& error) {
  namespace fs = std::filesystem;
  if (options.path.empty()) {
    error = "outbox path is empty";
    return false;
  }
  std::error_code ec;
  if (!options.create_if_missing && !fs::exists(options.path, ec)) {
    error = "no outbox database at " + options.path;
    return false;
  }
  if (options.create_if_missing) {
    auto parent = fs::path(options.path).parent_path();
    if (!parent.empty() && !fs::exists(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec) {
        error = "cannot create directory " + parent.string() + ": " + ec.message();
        return false;
      }
    }
  }
  std::string why;
  if (!db_.open(options.path, options.create_if_missing, why)) {
    error = "cannot open " + options.path + ": " + why;
    return false;
  }
  if (!configure(options, why) || !ensure_schema(why) || !prepare_all(why)) {
    error = options.path + ": " + why;
    return false;
  }
  return true;
}

bool Store::configure(const Options& options, std::string& error) {
  sqlite3_busy_timeout(db_.get(), static_cast<int>(std::clamp<std::int64_t>(options.busy_timeout_ms, 0, 3'600'000)));
  // The first statement reads the header: a file that is not a database fails here.
  std::string mode;
  if (!db_.query_text("PRAGMA journal_mode = WAL", mode, error)) return false;
  if (mode != "wal") {
    error = "cannot switch to WAL (journal_mode is '" + mode + "'; a network file system?)";
    return false;
  }
  const char* sync = options.sync == Options::Sync::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  // Without a limit the -wal file keeps its high-water size after a checkpoint.
  // No automatic checkpoints on this (the writer's) connection: a checkpoint
  // fsyncs the database, 10-300 ms on ordinary disks, and would stall every
  // alert queued behind it. Outbox runs them from its own connection on a
  // checkpointer thread instead (outbox.cpp), concurrently with the writer.
  return db_.exec(sync, error) && db_.exec("PRAGMA journal_size_limit = 67108864", error) &&
         db_.exec("PRAGMA wal_autocheckpoint = 0", error);
}

bool Store::ensure_schema(std::string& error) {
  if (!db_.exec("BEGIN IMMEDIATE", error)) return false;
  auto fail = [&] {
    std::string ignored;
    db_.exec("ROLLBACK", ignored);
    return false;
  };
  std::int64_t app_id = 0, version = 0, tables = 0;
  if (!db_.query_int("PRAGMA application_id", app_id, error) || !db_.query_int("PRAGMA user_version", version, error) ||
      !db_.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", tables, error))
    return fail();
  if (app_id != 0 && app_id != kApplicationId) {
    error = "not a freezewatch outbox (application_id " + std::to_string(app_id) + ")";
    return fail();
  }
  if (version == 0) {
    if (tables != 0) {
      error = "not a freezewatch outbox (has other tables and no schema version)";
      return fail();
    }
    std::string set = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                      "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
    if (!db_.exec(kSchema, error) || !db_.exec(kStateSchema, error) || !db_.exec(set.c_str(), error))
      return fail();
  } else if (version < kSchemaVersion) {
    const std::string set = "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
    if (!db_.exec(kStateSchema, error) || !db_.exec(set.c_str(), error)) return fail();
  } else if (version > kSchemaVersion) {
    error = "outbox schema version " + std::to_string(version) + " is newer than this build understands (" +
            std::to_string(kSchemaVersion) + ")";
    return fail();
  }
  return db_.exec("COMMIT", error) || fail();
}

bool Store::prepare_all(std::string& error) {
  struct Def {
    Stmt* stmt;
    const char* sql;
  };
  const Def defs[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&insert_,
       "INSERT INTO outbox (alert_id, endpoint, event_type, payload, created_at_ms, attempts, next_attempt_at_ms,"
       " last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
       " ON CONFLICT (alert_id, endpoint) DO NOTHING RETURNING seq"},
      {&delivered_,
       "UPDATE outbox SET state = 'delivered', delivered_at_ms = ?2, requeued = 0"
       " WHERE seq = ?1 AND state = 'pending'"},
      {&reschedule_,
       "UPDATE outbox SET attempts = ?2, next_attempt_at_ms = ?3, last_error = ?4"
       " WHERE seq = ?1 AND state = 'pending'"},
      {&dead_,
       "UPDATE outbox SET state = 'dead', dead_at_ms = ?2, http_status = ?3, response_excerpt = ?4, reason = ?5,"
       " requeued = 0 WHERE seq = ?1 AND state = 'pending'"},
      {&dead_attempts_,
       "UPDATE outbox SET state = 'dead', dead_at_ms = ?2, http_status = ?3, response_excerpt = ?4, reason = ?5,"
       " requeued = 0, attempts = ?6 WHERE seq = ?1 AND state = 'pending'"},
      {&take_requeued_, "UPDATE outbox SET requeued = 0 WHERE requeued = 1 RETURNING " FW_RECORD_COLUMNS},
      {&clear_requeued_, "UPDATE outbox SET requeued = 0 WHERE requeued = 1"},
      {&load_pending_, "SELECT " FW_RECORD_COLUMNS " FROM outbox WHERE state = 'pending' ORDER BY seq"},
      {&dlq_list_,
       "SELECT seq, alert_id, endpoint, event_type, http_status, reason, response_excerpt, created_at_ms,"
       " dead_at_ms, attempts, last_error, length(payload) FROM outbox WHERE state = 'dead'"
       " ORDER BY dead_at_ms DESC, seq DESC LIMIT ?1"},
      {&retry_one_,
       "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ?2, requeued = 1"
       " WHERE seq = ?1 AND state = 'dead'"},
      {&retry_all_,
       "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ?1, requeued = 1"
       " WHERE state = 'dead'"},
      {&prune_, "DELETE FROM outbox WHERE state = 'delivered' AND delivered_at_ms <= ?1"},
      {&count_pending_, "SELECT count(*) FROM outbox WHERE state = 'pending'"},
      {&count_dead_, "SELECT count(*) FROM outbox WHERE state = 'dead'"},
      {&oldest_pending_,
       "SELECT created_at_ms FROM outbox WHERE state = 'pending' ORDER BY created_at_ms LIMIT 1"},
      {&put_state_,
       "INSERT INTO source_state (key, value, updated_at_ms) VALUES (?1, ?2, ?3)"
       " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms"},
      {&get_state_, "SELECT value FROM source_state WHERE key = ?1"},
  };
  for (const auto& d : defs) {
    *d.stmt = db_.prepare(d.sql, error);
    if (!*d.stmt) return false;
  }
  return true;
}

bool Store::begin(std::string& error) {
  StmtUse use(begin_);
  int rc = begin_.step();
  if (rc == SQLITE_DONE) return true;
  error = "BEGIN: " + db_.errmsg(rc);
  return false;
}

bool Store::commit(std::string& error) {
  StmtUse use(commit_);
  int rc = commit_.step();
  if (rc == SQLITE_DONE) return true;
  error = "COMMIT: " + db_.errmsg(rc);
  return false;
}

void Store::rollback() noexcept {
  if (!db_.in_transaction()) return;  // some errors (IOERR, FULL) already rolled back
  StmtUse use(rollback_);
  rollback_.step();
}

Store::Insert Store::insert(const Record& r, std::int64_t created_at_ms, std::int64_t& seq, std::string& error) {
  StmtUse use(insert_);  // also clears the payload binding, which refers to `r` without a copy
  int rc = SQLITE_OK;
  auto bound = [&](int x) { return (rc = x) == SQLITE_OK; };
  if (!(bound(insert_.bind_text(1, r.alert_id)) && bound(insert_.bind_text(2, r.endpoint)) &&
        bound(insert_.bind_text(3, r.event_type)) && bound(insert_.bind_blob_ref(4, r.payload)) &&
        bound(insert_.bind(5, created_at_ms)) && bound(insert_.bind(6, static_cast<std::int64_t>(r.attempts))) &&
        bound(insert_.bind(7, r.next_attempt_at_ms)) && bound(insert_.bind_text(8, cut(r.last_error))))) {
    error = "bind: " + db_.errmsg(rc);
    return is_record_error(rc) ? Insert::rejected : Insert::failed;
  }
  rc = insert_.step();
  if (rc == SQLITE_ROW) {
    seq = insert_.int64(0);
    // Drain so the statement completes before the next use.
    while ((rc = insert_.step()) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE) return Insert::inserted;
  } else if (rc == SQLITE_DONE) {
    return Insert::duplicate;
  }
  error = "INSERT: " + db_.errmsg(rc);
  return is_record_error(rc) && db_.in_transaction() ? Insert::rejected : Insert::failed;
}

int Store::update_one(Stmt& s, std::string& error) {
  int rc = s.step();
  if (rc == SQLITE_DONE) return db_.changes();
  error = "UPDATE: " + db_.errmsg(rc);
  return -1;
}

int Store::mark_delivered(std::int64_t seq, std::int64_t now_ms, std::string& error) {
  StmtUse use(delivered_);
  delivered_.bind(1, seq);
  delivered_.bind(2, now_ms);
  return update_one(delivered_, error);
}

int Store::reschedule(std::int64_t seq, std::uint32_t attempts, std::int64_t next_ms, std::string_view last_error,
                      std::string& error) {
  StmtUse use(reschedule_);
  reschedule_.bind(1, seq);
  reschedule_.bind(2, static_cast<std::int64_t>(attempts));
  reschedule_.bind(3, next_ms);
  reschedule_.bind_text(4, cut(last_error));
  return update_one(reschedule_, error);
}

int Store::dead_letter(std::int64_t seq, int http_status, std::string_view excerpt, std::string_view reason,
                       std::optional<std::uint32_t> attempts, std::int64_t now_ms, std::string& error) {
  Stmt& s = attempts ? dead_attempts_ : dead_;
  StmtUse use(s);
  s.bind(1, seq);
  s.bind(2, now_ms);
  s.bind(3, http_status);
  s.bind_text(4, cut(excerpt));
  s.bind_text(5, cut(reason));
  if (attempts) s.bind(6, static_cast<std::int64_t>(*attempts));
  return update_one(s, error);
}

bool Store::read_records(Stmt& s, std::vector<Record>& out, std::string& error) {
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    Record r;
    r.seq = s.int64(0);
    r.alert_id = s.text(1);
    r.endpoint = s.text(2);
    r.event_type = s.text(3);
    r.payload = s.text(4);
    r.created_at_ms = s.int64(5);
    r.attempts = static_cast<std::uint32_t>(s.int64(6));
    r.next_attempt_at_ms = s.int64(7);
    r.last_error = s.text(8);
    r.state = state_from(s.text(9));
    out.push_back(std::move(r));
  }
  if (rc == SQLITE_DONE) return true;
  error = db_.errmsg(rc);
  return false;
}

bool Store::take_requeued(std::vector<Record>& out, std::string& error) {
  StmtUse use(take_requeued_);
  std::vector<Record> rows;
  if (!read_records(take_requeued_, rows, error)) return false;
  // RETURNING gives no order guarantee; a flagged row that is no longer
  // pending has nothing to deliver, its flag is simply cleared.
  std::erase_if(rows, [](const Record& r) { return r.state != State::pending; });
  std::sort(rows.begin(), rows.end(), [](const Record& a, const Record& b) { return a.seq < b.seq; });
  for (auto& r : rows) out.push_back(std::move(r));
  return true;
}

bool Store::load_pending(std::vector<Record>& out, std::string& error) {
  {
    StmtUse use(clear_requeued_);
    if (update_one(clear_requeued_, error) < 0) return false;
  }
  StmtUse use(load_pending_);
  return read_records(load_pending_, out, error);
}

bool Store::put_state(const std::string& key, const std::string& value, std::int64_t now_ms, std::string& error) {
  StmtUse use(put_state_);
  put_state_.bind_text(1, key);
  put_state_.bind_blob_ref(2, value);
  put_state_.bind(3, now_ms);
  return update_one(put_state_, error) >= 0;
}

bool Store::get_state(const std::string& key, std::optional<std::string>& out, std::string& error) {
  StmtUse use(get_state_);
  get_state_.bind_text(1, key);
  const int rc = get_state_.step();
  if (rc == SQLITE_ROW) {
    out = get_state_.text(0);
    return true;
  }
  if (rc == SQLITE_DONE) {
    out.reset();
    return true;
  }
  error = db_.errmsg(rc);
  return false;
}

bool Store::dlq_list(std::size_t limit, std::vector<DeadLetter>& out, std::string& error) {
  StmtUse use(dlq_list_);
  dlq_list_.bind(1, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = dlq_list_.step()) == SQLITE_ROW) {
    DeadLetter d;
    d.seq = dlq_list_.int64(0);
    d.alert_id = dlq_list_.text(1);
    d.endpoint = dlq_list_.text(2);
    d.event_type = dlq_list_.text(3);
    d.http_status = static_cast<int>(dlq_list_.int64(4));
    d.reason = dlq_list_.text(5);
    d.response_excerpt = dlq_list_.text(6);
    d.created_at_ms = dlq_list_.int64(7);
    d.dead_at_ms = dlq_list_.int64(8);
    d.attempts = static_cast<std::uint32_t>(dlq_list_.int64(9));
    d.last_error = dlq_list_.text(10);
    d.payload_bytes = static_cast<std::size_t>(dlq_list_.int64(11));
    out.push_back(std::move(d));
  }
  if (rc == SQLITE_DONE) return true;
  error = db_.errmsg(rc);
  return false;
}

std::int64_t Store::dlq_retry(std::optional<std::int64_t> seq, std::int64_t now_ms, std::string& error) {
  Stmt& s = seq ? retry_one_ : retry_all_;
  StmtUse use(s);
  if (seq) {
    s.bind(1, *seq);
    s.bind(2, now_ms);
  } else {
    s.bind(1, now_ms);
  }
  return update_one(s, error);
}

std::int64_t Store::prune_delivered(std::int64_t cutoff_ms, std::string& error) {
  StmtUse use(prune_);
  prune_.bind(1, cutoff_ms);
  return update_one(prune_, error);
}

bool Store::counts(Counts& out, std::string& error) {
  auto count = [&](Stmt& s, std::uint64_t& v) {
    StmtUse use(s);
    int rc = s.step();
    if (rc != SQLITE_ROW) {
      error = db_.errmsg(rc);
      return false;
    }
    v = static_cast<std::uint64_t>(s.int64(0));
    return true;
  };
  return count(count_pending_, out.pending) && count(count_dead_, out.dead) &&
         oldest_pending(out.oldest_pending_created_at_ms, error);
}

bool Store::oldest_pending(std::int64_t& out, std::string& error) {
  StmtUse use(oldest_pending_);
  int rc = oldest_pending_.step();
  if (rc == SQLITE_ROW) {
    out = oldest_pending_.int64(0);
    return true;
  }
  if (rc == SQLITE_DONE) {
    out = 0;
    return true;
  }
  error = db_.errmsg(rc);
  return false;
}

}  // namespace fw::outbox::detail
