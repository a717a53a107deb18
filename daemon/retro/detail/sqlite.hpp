// Minimal RAII over the SQLite C API for the retro index. Internal to
// fw_retro; a Db and its Stmts belong to one thread (the index writer).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace fw::retro::detail {

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) noexcept : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  explicit operator bool() const noexcept { return s_ != nullptr; }

  // 1-based parameters. Blobs are not copied: `v` must outlive the next reset().
  int bind(int i, std::int64_t v) noexcept { return sqlite3_bind_int64(s_, i, v); }
  int bind_blob_ref(int i, const void* p, std::size_t n) noexcept {
    return n == 0 ? sqlite3_bind_zeroblob(s_, i, 0) : sqlite3_bind_blob64(s_, i, p, n, SQLITE_STATIC);
  }
  int step() noexcept { return sqlite3_step(s_); }  // SQLITE_ROW, SQLITE_DONE or an error
  void reset() noexcept {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // 0-based columns.
  std::int64_t int64(int col) const noexcept { return sqlite3_column_int64(s_, col); }
  std::string_view blob(int col) const noexcept;  // valid until the next step/reset

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Resets a statement when the scope ends.
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
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close_v2(db_); }

  bool open(const std::string& path, std::string& error);
  bool exec(const char* sql, std::string& error);
  Stmt prepare(std::string_view sql, std::string& error);
  // First column of the first row as an integer (0 if no row).
  bool query_int(const char* sql, std::int64_t& out, std::string& error);
  std::string errmsg(int code) const;  // "<message> (code N)"
  int changes() const noexcept { return sqlite3_changes(db_); }
  std::int64_t last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const noexcept { return db_ && sqlite3_get_autocommit(db_) == 0; }
  sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace fw::retro::detail
