// Shared helpers for the outbox tests: a temp dir per test, record builders,
// a thread-safe collector for on_durable callbacks.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "outbox/outbox.hpp"

namespace fw::outbox::testing {

inline Record make_record(std::string alert_id, std::string endpoint = "hook-a", std::string payload = "{}",
                          std::int64_t created_at_ms = 0) {
  Record r;
  r.alert_id = std::move(alert_id);
  r.endpoint = std::move(endpoint);
  r.event_type = "transfer.pending";
  r.payload = std::move(payload);
  r.created_at_ms = created_at_ms;
  return r;
}

// Collects what on_durable hands out, from the writer thread.
class Collector {
 public:
  Outbox::DurableFn fn() {
    return [this](std::vector<Record> inserted) {
      std::lock_guard lk(mu_);
      ++calls_;
      for (auto& r : inserted) records_.push_back(std::move(r));
    };
  }
  std::vector<Record> records() const {
    std::lock_guard lk(mu_);
    return records_;
  }
  int calls() const {
    std::lock_guard lk(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Record> records_;
  int calls_ = 0;
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fw-outbox-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (std::filesystem::path(dir_) / "outbox.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Options options() const {
    Options o;
    o.path = path_;
    return o;
  }

  std::unique_ptr<Outbox> open(Options o) {
    std::string error;
    auto box = Outbox::open(o, error);
    EXPECT_TRUE(box) << error;
    return box;
  }
  std::unique_ptr<Outbox> open() { return open(options()); }

  // Appends and waits until durable; returns what was inserted.
  static std::vector<Record> append_sync(Outbox& box, std::vector<Record> records) {
    Collector c;
    box.append(std::move(records), c.fn());
    EXPECT_TRUE(box.flush());
    return c.records();
  }

  // One statement on a raw connection, first column of the first row as text.
  std::string raw_query(const std::string& sql) const {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      if (t) out = reinterpret_cast<const char*>(t);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  // Statements run on a raw connection (schema surgery in tests).
  void raw_exec(const std::string& sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::string dir_;
  std::string path_;
};

}  // namespace fw::outbox::testing
