#include "registry/registry.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "registry/json.hpp"

namespace fw::registry {
namespace {

constexpr std::int64_t kApplicationId = 0x46575247;  // 'FWRG'

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries (
  address       TEXT    NOT NULL CHECK (length(address) > 0),
  kind          TEXT    NOT NULL CHECK (kind IN ('api', 'derived')),
  incident      TEXT    NOT NULL,
  chain         TEXT    NOT NULL,
  label         TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  severity      TEXT    NOT NULL,
  notes         TEXT    NOT NULL,
  added_by      TEXT    NOT NULL,
  added_at_ms   INTEGER NOT NULL,
  expires_at_ms INTEGER,
  follow        INTEGER NOT NULL,
  hops          INTEGER NOT NULL,
  seed          TEXT    NOT NULL,
  path          TEXT    NOT NULL,
  approved      INTEGER NOT NULL,
  approved_by   TEXT    NOT NULL,
  PRIMARY KEY (address, kind, incident)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at_ms) WHERE expires_at_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS audit (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms    INTEGER NOT NULL,
  who      TEXT    NOT NULL,
  action   TEXT    NOT NULL,
  address  TEXT    NOT NULL,
  chain    TEXT    NOT NULL,
  incident TEXT    NOT NULL,
  detail   TEXT    NOT NULL,
  peer     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS dismissed (
  address TEXT PRIMARY KEY,
  at_ms   INTEGER NOT NULL,
  who     TEXT    NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* kEntryColumns =
    "address, kind, incident, chain, label, source, severity, notes, added_by, added_at_ms, expires_at_ms, "
    "follow, hops, seed, path, approved, approved_by";

class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      if (s_) sqlite3_finalize(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~Stmt() {
    if (s_) sqlite3_finalize(s_);
  }
  bool prepare(sqlite3* db, const std::string& sql, std::string& error) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &s_, nullptr) != SQLITE_OK) {
      error = std::string("prepare: ") + sqlite3_errmsg(db);
      return false;
    }
    return true;
  }
  void text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void null(int i) { sqlite3_bind_null(s_, i); }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string col_text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }
  std::int64_t col_int(int c) const { return sqlite3_column_int64(s_, c); }
  bool col_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

struct Key {
  std::string address;
  LiveEntry::Kind kind = LiveEntry::Kind::api;
  std::string incident;
  friend auto operator<=>(const Key& a, const Key& b) {
    return std::tie(a.address, a.kind, a.incident) <=> std::tie(b.address, b.kind, b.incident);
  }
  friend bool operator==(const Key&, const Key&) = default;
};

Key key_of(const LiveEntry& e) { return Key{e.address, e.kind, e.incident}; }

std::int64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

// One planned change: put (insert or replace) or erase an entry, with its
// audit row. Written inside a transaction, applied to memory after commit.
struct Change {
  bool put = true;
  LiveEntry entry;
  std::string action;
};

}  // namespace

struct Registry::Impl {
  std::string path;
  sqlite3* db = nullptr;
  watchlist::OverlayHolder* holder = nullptr;
  std::map<Key, LiveEntry> entries;
  std::set<std::string, std::less<>> dismissed;
  std::shared_ptr<const watchlist::Overlay> current;
  Stats stats;
  OnAdded on_added;
  Stmt put, erase, audit, dismiss, undismiss;

  ~Impl() {
    put = Stmt();
    erase = Stmt();
    audit = Stmt();
    dismiss = Stmt();
    undismiss = Stmt();
    if (db) sqlite3_close_v2(db);
  }

  bool exec(const char* sql, std::string& error) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      error = msg ? msg : sqlite3_errmsg(db);
      sqlite3_free(msg);
      return false;
    }
    return true;
  }

  bool query_int(const char* sql, std::int64_t& out, std::string& error) {
    Stmt s;
    if (!s.prepare(db, sql, error)) return false;
    const int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      error = sqlite3_errmsg(db);
      return false;
    }
    out = rc == SQLITE_ROW ? s.col_int(0) : 0;
    return true;
  }

  bool step_done(Stmt& s, std::string& error) {
    const int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) {
      error = std::string(sqlite3_errmsg(db)) + " (code " + std::to_string(rc) + ")";
      return false;
    }
    return true;
  }

  bool write_entry(const LiveEntry& e, std::string& error) {
    put.text(1, e.address);
    put.text(2, to_string(e.kind));
    put.text(3, e.incident);
    put.text(4, to_string(e.chain));
    put.text(5, e.label);
    put.text(6, e.source);
    put.text(7, e.severity);
    put.text(8, e.notes);
    put.text(9, e.added_by);
    put.integer(10, e.added_at_ms);
    if (e.expires_at_ms) put.integer(11, *e.expires_at_ms);
    else put.null(11);
    put.integer(12, e.follow ? 1 : 0);
    put.integer(13, e.hops);
    put.text(14, e.seed);
    put.text(15, path_to_json(e.path));
    put.integer(16, e.approved ? 1 : 0);
    put.text(17, e.approved_by);
    return step_done(put, error);
  }

  bool erase_entry(const LiveEntry& e, std::string& error) {
    erase.text(1, e.address);
    erase.text(2, to_string(e.kind));
    erase.text(3, e.incident);
    return step_done(erase, error);
  }

  bool write_audit(std::int64_t at_ms, const std::string& who, const std::string& action, const LiveEntry& e,
                   const std::string& peer, std::string& error) {
    audit.integer(1, at_ms);
    audit.text(2, who);
    audit.text(3, action);
    audit.text(4, e.address);
    audit.text(5, to_string(e.chain));
    audit.text(6, e.incident);
    audit.text(7, entry_detail_json(e));
    audit.text(8, peer);
    return step_done(audit, error);
  }

  // Writes `changes` (+ audit rows, + extra) in one transaction; applies
  // them to memory and publishes a new overlay when it commits.
  template <class Extra>
  bool commit(const std::vector<Change>& changes, std::int64_t at_ms, const std::string& who, const std::string& peer,
              Extra&& extra, std::string& error) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!exec("BEGIN IMMEDIATE", error)) {
      ++stats.failed_transactions;
      return false;
    }
    bool ok = true;
    for (const auto& c : changes) {
      ok = (c.put ? write_entry(c.entry, error) : erase_entry(c.entry, error)) &&
           write_audit(at_ms, who, c.action, c.entry, peer, error);
      if (!ok) break;
    }
    if (ok) ok = extra(error);
    if (ok) ok = exec("COMMIT", error);
    if (!ok) {
      std::string ignored;
      if (sqlite3_get_autocommit(db) == 0) exec("ROLLBACK", ignored);
      ++stats.failed_transactions;
      return false;
    }
    ++stats.transactions;
    stats.last_commit_us = micros_since(t0);
    std::vector<std::string> touched;
    touched.reserve(changes.size());
    for (const auto& c : changes) {
      if (c.put) entries[key_of(c.entry)] = c.entry;
      else entries.erase(key_of(c.entry));
      touched.push_back(c.entry.address);
    }
    publish(std::move(touched));
    return true;
  }

  bool commit(const std::vector<Change>& changes, std::int64_t at_ms, const std::string& who, const std::string& peer,
              std::string& error) {
    return commit(changes, at_ms, who, peer, [](std::string&) { return true; }, error);
  }

  // Publishes every entry (at open).
  void publish() {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<LiveEntry> all;
    all.reserve(entries.size());
    for (const auto& [k, e] : entries) all.push_back(e);
    current = std::make_shared<const watchlist::Overlay>(std::move(all));
    holder->publish(current);
    ++stats.publishes;
    stats.last_publish_us = micros_since(t0);
  }

  // Publishes a change to the entries of the `touched` addresses: what it
  // costs grows with the change, not with the number of live entries
  // (watchlist::Overlay::with).
  void publish(std::vector<std::string> touched) {
    const auto t0 = std::chrono::steady_clock::now();
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::vector<LiveEntry> now;
    for (const std::string& a : touched)
      for (auto it = entries.lower_bound(Key{a, LiveEntry::Kind::api, ""});
           it != entries.end() && it->first.address == a; ++it)
        now.push_back(it->second);
    current = watchlist::Overlay::with(current, touched, std::move(now));
    holder->publish(current);
    ++stats.publishes;
    stats.last_publish_us = micros_since(t0);
  }

  // True when the address has an entry that is not expired at now_ms.
  bool live(const std::string& address, std::int64_t now_ms) const {
    for (auto it = entries.lower_bound(Key{address, LiveEntry::Kind::api, ""});
         it != entries.end() && it->first.address == address; ++it)
      if (!it->second.expired(now_ms)) return true;
    return false;
  }

  bool load(std::string& error);
  void notify(const AddResult& r, LiveEntry::Kind kind) {
    if (on_added && r.ok && !r.new_addresses.empty()) on_added(r.new_addresses, kind);
  }
};

bool Registry::Impl::load(std::string& error) {
  Stmt s;
  if (!s.prepare(db, std::string("SELECT ") + kEntryColumns + " FROM entries", error)) return false;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    LiveEntry e;
    e.address = s.col_text(0);
    const std::string kind = s.col_text(1);
    e.kind = kind == "derived" ? LiveEntry::Kind::derived : LiveEntry::Kind::api;
    e.incident = s.col_text(2);
    const std::string chain = s.col_text(3);
    const auto c = chain_from_string(chain);
    if (!c) {
      error = "entry " + e.address + ": unknown chain '" + chain + "'";
      return false;
    }
    e.chain = *c;
    e.label = s.col_text(4);
    e.source = s.col_text(5);
    e.severity = s.col_text(6);
    e.notes = s.col_text(7);
    e.added_by = s.col_text(8);
    e.added_at_ms = s.col_int(9);
    if (!s.col_null(10)) e.expires_at_ms = s.col_int(10);
    e.follow = s.col_int(11) != 0;
    e.hops = static_cast<std::uint32_t>(s.col_int(12));
    e.seed = s.col_text(13);
    std::string why;
    if (!path_from_json(s.col_text(14), e.path, why)) {
      error = "entry " + e.address + ": " + why;
      return false;
    }
    e.approved = s.col_int(15) != 0;
    e.approved_by = s.col_text(16);
    entries.emplace(key_of(e), std::move(e));
  }
  if (rc != SQLITE_DONE) {
    error = sqlite3_errmsg(db);
    return false;
  }
  Stmt d;
  if (!d.prepare(db, "SELECT address FROM dismissed", error)) return false;
  while ((rc = d.step()) == SQLITE_ROW) dismissed.insert(d.col_text(0));
  if (rc != SQLITE_DONE) {
    error = sqlite3_errmsg(db);
    return false;
  }
  return true;
}

std::unique_ptr<Registry> Registry::open(const std::string& path, bool sync_full, watchlist::OverlayHolder& holder,
                                         std::string& error) {
  namespace fs = std::filesystem;
  if (path.empty()) {
    error = "registry path is empty";
    return nullptr;
  }
  std::error_code ec;
  const auto parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);  // a failure shows in sqlite3_open below

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->holder = &holder;
  auto fail = [&](const std::string& why) {
    error = path + ": " + why;
    return nullptr;
  };
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return fail(impl->db ? sqlite3_errmsg(impl->db) : sqlite3_errstr(rc));
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 2000);

  std::string why;
  std::int64_t app_id = 0, version = 0, tables = 0;
  if (!impl->query_int("PRAGMA application_id", app_id, why) || !impl->query_int("PRAGMA user_version", version, why) ||
      !impl->query_int("SELECT count(*) FROM sqlite_master", tables, why))
    return fail(why);
  if (tables > 0 && app_id != kApplicationId) return fail("not a freezewatch watchlist registry (application_id)");
  if (version > kSchemaVersion)
    return fail("schema version " + std::to_string(version) + " is newer than this freezewatch supports (" +
                std::to_string(kSchemaVersion) + ")");

  std::string mode;
  {
    Stmt s;
    if (!s.prepare(impl->db, "PRAGMA journal_mode = WAL", why)) return fail(why);
    if (s.step() == SQLITE_ROW) mode = s.col_text(0);
  }
  if (mode != "wal") return fail("cannot switch to WAL journal (got '" + mode + "')");
  if (!impl->exec(sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", why)) return fail(why);
  if (!impl->exec("BEGIN IMMEDIATE", why)) return fail(why);
  const std::string init = std::string(kSchema) + "PRAGMA application_id = " + std::to_string(kApplicationId) +
                           "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
  if (!impl->exec(init.c_str(), why) || !impl->exec("COMMIT", why)) {
    std::string ignored;
    impl->exec("ROLLBACK", ignored);
    return fail(why);
  }

  const std::string put_sql = std::string("INSERT OR REPLACE INTO entries (") + kEntryColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
  if (!impl->put.prepare(impl->db, put_sql, why) ||
      !impl->erase.prepare(impl->db, "DELETE FROM entries WHERE address = ?1 AND kind = ?2 AND incident = ?3", why) ||
      !impl->audit.prepare(impl->db,
                           "INSERT INTO audit (at_ms, who, action, address, chain, incident, detail, peer) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           why) ||
      !impl->dismiss.prepare(impl->db, "INSERT OR REPLACE INTO dismissed (address, at_ms, who) VALUES (?1, ?2, ?3)",
                             why) ||
      !impl->undismiss.prepare(impl->db, "DELETE FROM dismissed WHERE address = ?1", why))
    return fail(why);
  if (!impl->load(why)) return fail(why);
  impl->publish();
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::~Registry() = default;

const std::string& Registry::path() const noexcept { return impl_->path; }

void Registry::set_on_added(OnAdded callback) { impl_->on_added = std::move(callback); }

AddResult Registry::add(std::vector<LiveEntry> batch, const std::string& who, const std::string& peer,
                        std::int64_t now_ms) {
  auto& m = *impl_;
  AddResult r;
  if (batch.empty()) return r;
  // Last wins per key; keep first-seen order for the audit and new_addresses.
  std::map<Key, std::size_t> index;
  std::vector<LiveEntry> unique;
  for (auto& e : batch) {
    e.kind = LiveEntry::Kind::api;
    e.hops = 0;
    e.seed.clear();
    e.path.clear();
    e.approved = false;
    e.approved_by.clear();
    auto [it, inserted] = index.emplace(key_of(e), unique.size());
    if (inserted) unique.push_back(std::move(e));
    else unique[it->second] = std::move(e);
  }
  std::vector<Change> changes;
  std::set<std::string, std::less<>> seen_new;
  for (auto& e : unique) {
    const auto existing = m.entries.find(key_of(e));
    if (existing == m.entries.end()) {
      e.added_by = who;
      e.added_at_ms = now_ms;
      ++r.added;
      changes.push_back(Change{true, e, "add"});
    } else {
      e.added_by = existing->second.added_by;
      e.added_at_ms = existing->second.added_at_ms;
      ++r.updated;
      changes.push_back(Change{true, e, "update"});
    }
    if (!m.live(e.address, now_ms) && seen_new.insert(e.address).second) r.new_addresses.push_back(e.address);
  }
  if (!m.commit(changes, now_ms, who, peer, r.error)) {
    r = AddResult{false, r.error};
    return r;
  }
  m.notify(r, LiveEntry::Kind::api);
  return r;
}

AddResult Registry::add_derived(std::vector<LiveEntry> batch, std::int64_t now_ms) {
  auto& m = *impl_;
  AddResult r;
  std::map<Key, std::size_t> index;  // key -> position in changes
  std::vector<Change> changes;
  std::set<std::string, std::less<>> seen_new;
  const std::string who = kFollowTheMoney;
  for (auto& e : batch) {
    e.kind = LiveEntry::Kind::derived;
    e.added_by = who;
    e.added_at_ms = now_ms;
    if (e.source.empty()) e.source = who;
    e.approved = false;
    e.approved_by.clear();
    if (m.dismissed.contains(e.address)) {
      ++r.ignored;
      continue;
    }
    const Key k = key_of(e);
    // The best so far: planned in this batch, else stored.
    const LiveEntry* best = nullptr;
    const auto planned = index.find(k);
    if (planned != index.end()) best = &changes[planned->second].entry;
    const auto stored = m.entries.find(k);
    if (!best && stored != m.entries.end()) best = &stored->second;
    if (best && !best->expired(now_ms) && best->hops <= e.hops) {
      ++r.ignored;
      continue;
    }
    const bool exists = stored != m.entries.end();
    if (exists && stored->second.approved) {
      e.approved = true;  // approval survives a shorter path, and approved entries do not expire
      e.approved_by = stored->second.approved_by;
      e.expires_at_ms.reset();
    }
    if (!m.live(e.address, now_ms) && seen_new.insert(e.address).second) r.new_addresses.push_back(e.address);
    if (planned != index.end()) {
      changes[planned->second].entry = std::move(e);
    } else {
      index.emplace(k, changes.size());
      changes.push_back(Change{true, std::move(e), exists ? "rederive" : "derive"});
      exists ? ++r.updated : ++r.added;
    }
  }
  if (changes.empty()) return r;
  if (!m.commit(changes, now_ms, who, "", r.error)) return AddResult{false, r.error};
  m.notify(r, LiveEntry::Kind::derived);
  return r;
}

CountResult Registry::remove(std::string_view address, const std::optional<std::string>& incident,
                             const std::string& who, const std::string& peer, std::int64_t now_ms) {
  auto& m = *impl_;
  CountResult r;
  std::vector<Change> changes;
  const std::string addr(address);
  for (auto it = m.entries.lower_bound(Key{addr, LiveEntry::Kind::api, ""});
       it != m.entries.end() && it->first.address == addr && it->first.kind == LiveEntry::Kind::api; ++it) {
    if (incident && it->first.incident != *incident) continue;
    changes.push_back(Change{false, it->second, "remove"});
  }
  if (changes.empty()) return r;
  if (!m.commit(changes, now_ms, who, peer, r.error)) return CountResult{false, r.error, 0};
  r.count = changes.size();
  return r;
}

CountResult Registry::approve(std::string_view address, const std::string& who, const std::string& peer,
                              std::int64_t now_ms) {
  auto& m = *impl_;
  CountResult r;
  std::vector<Change> changes;
  const std::string addr(address);
  for (auto it = m.entries.lower_bound(Key{addr, LiveEntry::Kind::derived, ""});
       it != m.entries.end() && it->first.address == addr; ++it) {
    ++r.count;
    if (it->second.approved) continue;
    LiveEntry e = it->second;
    e.approved = true;
    e.approved_by = who;
    e.expires_at_ms.reset();  // follow.expire_after_hours applies to unapproved entries only
    changes.push_back(Change{true, std::move(e), "approve"});
  }
  if (changes.empty()) return r;
  if (!m.commit(changes, now_ms, who, peer, r.error)) return CountResult{false, r.error, 0};
  return r;
}

CountResult Registry::dismiss(std::string_view address, const std::string& who, const std::string& peer,
                              std::int64_t now_ms) {
  auto& m = *impl_;
  CountResult r;
  std::vector<Change> changes;
  const std::string addr(address);
  for (auto it = m.entries.lower_bound(Key{addr, LiveEntry::Kind::derived, ""});
       it != m.entries.end() && it->first.address == addr; ++it)
    changes.push_back(Change{false, it->second, "dismiss"});
  if (changes.empty()) return r;
  auto remember = [&](std::string& error) {
    m.dismiss.text(1, addr);
    m.dismiss.integer(2, now_ms);
    m.dismiss.text(3, who);
    return m.step_done(m.dismiss, error);
  };
  if (!m.commit(changes, now_ms, who, peer, remember, r.error)) return CountResult{false, r.error, 0};
  m.dismissed.insert(addr);
  r.count = changes.size();
  return r;
}

ExpireResult Registry::expire(std::int64_t now_ms) {
  auto& m = *impl_;
  ExpireResult r;
  std::vector<Change> changes;
  for (const auto& [k, e] : m.entries)
    if (e.expired(now_ms)) changes.push_back(Change{false, e, "expire"});
  if (changes.empty()) return r;
  if (!m.commit(changes, now_ms, "expiry", "", r.error)) return ExpireResult{false, r.error, {}};
  r.removed.reserve(changes.size());
  for (auto& c : changes) r.removed.push_back(std::move(c.entry));
  return r;
}

std::vector<LiveEntry> Registry::get(std::string_view address) const {
  std::vector<LiveEntry> out;
  const std::string addr(address);
  for (auto it = impl_->entries.lower_bound(Key{addr, LiveEntry::Kind::api, ""});
       it != impl_->entries.end() && it->first.address == addr; ++it)
    out.push_back(it->second);
  return out;
}

ListPage Registry::list(const ListQuery& q) const {
  ListPage page;
  const std::size_t limit = std::max<std::size_t>(1, q.limit);
  auto it = impl_->entries.lower_bound(Key{q.after, LiveEntry::Kind::api, ""});
  // The cursor is the last address of the previous page: skip all its entries.
  while (it != impl_->entries.end() && !q.after.empty() && it->first.address == q.after) ++it;
  std::string current;
  for (; it != impl_->entries.end(); ++it) {
    const LiveEntry& e = it->second;
    if (q.kind && e.kind != *q.kind) continue;
    if (q.incident && e.incident != *q.incident) continue;
    if (page.entries.size() >= limit && e.address != current) {
      page.next = current;
      break;
    }
    current = e.address;
    page.entries.push_back(e);
  }
  return page;
}

std::shared_ptr<const watchlist::Overlay> Registry::overlay() const { return impl_->current; }

AuditResult Registry::audit_log(std::int64_t since_seq, std::size_t limit) const {
  AuditResult r;
  Stmt s;
  if (!s.prepare(impl_->db,
                 "SELECT seq, at_ms, who, action, address, chain, incident, detail, peer FROM audit "
                 "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                 r.error)) {
    r.ok = false;
    return r;
  }
  s.integer(1, since_seq);
  s.integer(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    r.records.push_back(AuditRecord{s.col_int(0), s.col_int(1), s.col_text(2), s.col_text(3), s.col_text(4),
                                    s.col_text(5), s.col_text(6), s.col_text(7), s.col_text(8)});
  }
  if (rc != SQLITE_DONE) {
    r.ok = false;
    r.error = sqlite3_errmsg(impl_->db);
    r.records.clear();
  }
  return r;
}

Stats Registry::stats() const {
  Stats s = impl_->stats;
  s.api_entries = s.derived_entries = s.derived_approved = s.expired_waiting = 0;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& [k, e] : impl_->entries) {
    if (e.kind == LiveEntry::Kind::api) ++s.api_entries;
    else ++s.derived_entries;
    if (e.kind == LiveEntry::Kind::derived && e.approved) ++s.derived_approved;
    if (e.expired(now)) ++s.expired_waiting;
  }
  return s;
}

}  // namespace fw::registry
