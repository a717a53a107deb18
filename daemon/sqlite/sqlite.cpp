#include "sqlite/sqlite.hpp"

namespace fw::sqlite {

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

int Stmt::bind_text(int i, std::string_view v) noexcept {
  // A non-null pointer even for "" so the value is an empty string, not NULL.
  return sqlite3_bind_text64(s_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

int Stmt::bind_blob(int i, std::string_view v) noexcept {
  // sqlite3_bind_zeroblob for "" keeps the column a (zero-length) BLOB, never NULL.
  if (v.empty()) return sqlite3_bind_zeroblob(s_, i, 0);
  return sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT);
}

int Stmt::bind_blob_ref(int i, std::string_view v) noexcept {
  if (v.empty()) return sqlite3_bind_zeroblob(s_, i, 0);
  return sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_STATIC);
}

void Stmt::reset() noexcept {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string_view Stmt::blob(int col) const noexcept {
  // Ask for the blob pointer so no text conversion happens; bytes() after it.
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::string Stmt::text(int col) const { return std::string(blob(col)); }

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

bool Db::open(const std::string& path, bool create, std::string& error) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return false;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_close_v2(db_);
  db_ = db;
  return true;
}

bool Db::exec(const char* sql, std::string& error) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return true;
  error = (msg ? std::string(msg) : std::string(sqlite3_errstr(rc))) + " (code " + std::to_string(rc) + ")";
  sqlite3_free(msg);
  return false;
}

Stmt Db::prepare(std::string_view sql, std::string& error) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    error = errmsg(rc) + " preparing: " + std::string(sql.substr(0, 80));
    sqlite3_finalize(s);
    return Stmt{};
  }
  return Stmt{s};
}

bool Db::query_text(const char* sql, std::string& out, std::string& error) {
  Stmt s = prepare(sql, error);
  if (!s) return false;
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    out = s.text(0);
    return true;
  }
  if (rc == SQLITE_DONE) {
    out.clear();
    return true;
  }
  error = errmsg(rc);
  return false;
}

bool Db::query_int(const char* sql, std::int64_t& out, std::string& error) {
  Stmt s = prepare(sql, error);
  if (!s) return false;
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    out = s.int64(0);
    return true;
  }
  if (rc == SQLITE_DONE) {
    out = 0;
    return true;
  }
  error = errmsg(rc);
  return false;
}

std::string Db::errmsg(int code) const {
  // sqlite3_errmsg describes the connection's most recent error, which is the
  // one we are reporting as long as it is called right after the failing call.
  std::string m = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  return m + " (code " + std::to_string(code) + ")";
}

}  // namespace fw::sqlite
