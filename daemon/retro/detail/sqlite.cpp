#include "retro/detail/sqlite.hpp"

namespace fw::retro::detail {

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

std::string_view Stmt::blob(int col) const noexcept {
  const void* p = sqlite3_column_blob(s_, col);  // before bytes(): no text conversion
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

bool Db::open(const std::string& path, std::string& error) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
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

bool Db::query_int(const char* sql, std::int64_t& out, std::string& error) {
  Stmt s = prepare(sql, error);
  if (!s) return false;
  int rc = s.step();
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    out = rc == SQLITE_ROW ? s.int64(0) : 0;
    return true;
  }
  error = errmsg(rc);
  return false;
}

std::string Db::errmsg(int code) const {
  std::string m = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  return m + " (code " + std::to_string(code) + ")";
}

}  // namespace fw::retro::detail
