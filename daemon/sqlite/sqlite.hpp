// Thin RAII wrappers over the SQLite C API, shared by the modules that keep a
// SQLite file (outbox, retro). Not thread-safe: a Db and its Stmts belong to
// one thread at a time (each module's writer thread).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace fw::sqlite {

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) noexcept : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  explicit operator bool() const noexcept { return s_ != nullptr; }

  // Parameters are 1-based; columns are 0-based (as in the C API). Text and
  // blobs are copied by SQLite (SQLITE_TRANSIENT) so arguments may be temporaries.
  int bind(int i, std::int64_t v) noexcept { return sqlite3_bind_int64(s_, i, v); }
  int bind_text(int i, std::string_view v) noexcept;
  int bind_blob(int i, std::string_view v) noexcept;
  // No copy (SQLITE_STATIC): `v` must outlive the next reset().
  int bind_blob_ref(int i, std::string_view v) noexcept;
  int bind_blob_ref(int i, const void* p, std::size_t n) noexcept {
    return bind_blob_ref(i, std::string_view(static_cast<const char*>(p), n));
  }
  int bind_null(int i) noexcept { return sqlite3_bind_null(s_, i); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() noexcept { return sqlite3_step(s_); }
  // Ready for the next use: reset and clear the bindings.
  void reset() noexcept;

  std::int64_t int64(int col) const noexcept { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const noexcept { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const;  // text or blob bytes, exactly (embedded NULs kept)
  std::string_view blob(int col) const noexcept;  // the same without a copy: valid until the next step/reset
  std::size_t bytes(int col) const noexcept { return static_cast<std::size_t>(sqlite3_column_bytes(s_, col)); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Resets a statement when the scope ends, whatever path leaves it.
class StmtUse {
 public:
  explicit StmtUse(Stmt& s) noexcept : s_(s) {}
  ~StmtUse() { s_.reset(); }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;

 private:
  Stmt& s_;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // sqlite3_open_v2; on failure returns false and sets `error`.
  bool open(const std::string& path, bool create, std::string& error);

  // Runs one or more statements without results. false + `error` on failure.
  bool exec(const char* sql, std::string& error);
  // Prepares a statement meant to be reused for the connection's lifetime.
  Stmt prepare(std::string_view sql, std::string& error);
  // First column of the first row of `sql` as text ("" if no row); false on error.
  bool query_text(const char* sql, std::string& out, std::string& error);
  bool query_int(const char* sql, std::int64_t& out, std::string& error);

  // "<sqlite message> (code N)", for logs and error values.
  std::string errmsg(int code) const;
  int changes() const noexcept { return sqlite3_changes(db_); }
  std::int64_t last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const noexcept { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }
  sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace fw::sqlite
