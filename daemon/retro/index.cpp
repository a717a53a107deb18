#include "retro/index.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <variant>

#include "retro/codec.hpp"
#include "retro/detail/sqlite.hpp"

namespace fw::retro {
namespace {

constexpr std::int64_t kApplicationId = 0x66777274;  // "fwrt"
constexpr std::int64_t kSchemaVersion = 1;
constexpr std::int64_t kPruneChunk = 10'000;

// Address rows hold hashes, not strings: two small integers per row keep the
// two address B-trees at ~20 bytes an entry. The trigger keeps them in step
// with every way a transfer row goes (replace, retraction, pruning).
constexpr const char* kSchema = R"sql(
CREATE TABLE transfers (
  id             INTEGER PRIMARY KEY,
  key            BLOB    NOT NULL UNIQUE,
  received_at_ms INTEGER NOT NULL,
  data           BLOB    NOT NULL
);
CREATE INDEX transfers_received ON transfers (received_at_ms);
CREATE TABLE addresses (
  hash        INTEGER NOT NULL,
  transfer_id INTEGER NOT NULL,
  PRIMARY KEY (hash, transfer_id)
) WITHOUT ROWID;
CREATE INDEX addresses_transfer ON addresses (transfer_id);
CREATE TRIGGER transfers_delete AFTER DELETE ON transfers BEGIN
  DELETE FROM addresses WHERE transfer_id = old.id;
END;
)sql";

using Clock = std::chrono::steady_clock;

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct ScanOp {
  std::vector<std::string> addresses;
  Index::ScanFn done;
  Clock::time_point enqueued;
  bool answered = false;
};
struct FlushOp {
  std::promise<bool> done;
  bool answered = false;
};
using Op = std::variant<Transfer, ScanOp, FlushOp>;

}  // namespace

struct Index::Impl {
  Options options;
  detail::Db db;
  detail::Stmt find, insert, update, delete_addresses, insert_address, delete_key, lookup, prune_window, prune_cap,
      page_count;
  std::int64_t page_size = 4096;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Op> queue;        // guarded by mu
  std::size_t queued_records = 0;  // guarded by mu; Transfers in `queue`
  std::size_t urgent = 0;      // guarded by mu; scans and flushes in `queue`
  bool stopping = false;       // guarded by mu
  std::thread writer;
  std::once_flag stop_once;

  // Writer-only state.
  std::int64_t stored_rows = 0;
  bool prune_pending = true;  // at open
  bool failed_since_flush = false;

  std::atomic<std::uint64_t> stored{0}, bytes{0}, recorded{0}, inserted{0}, replaced{0}, retracted{0},
      dropped_window{0}, dropped_cap{0}, dropped_queue_full{0}, dropped_write_error{0}, write_errors{0},
      corrupt_rows{0}, queued{0}, scans{0}, last_scan_us{0}, last_scan_addresses{0}, last_scan_transfers{0};
  mutable std::mutex error_mu;
  std::string last_error;  // guarded by error_mu

  std::chrono::system_clock::time_point now() const {
    return options.now ? options.now() : std::chrono::system_clock::now();
  }
  std::int64_t window_start_ms() const {
    return to_ms(now()) - std::chrono::duration_cast<std::chrono::milliseconds>(options.window).count();
  }

  bool open(std::string& error);
  bool ensure_schema(std::string& error);
  bool prepare_all(std::string& error);

  void enqueue_record(Transfer&& t);
  void run();
  void process(std::vector<Op>& batch);
  void handle_scan(ScanOp& op);
  enum class Applied { failed, inserted, replaced, removed, nothing };
  Applied apply(const Transfer& t, std::string& blob, std::string& error);
  bool prune_step();  // true if more is left to prune
  void refresh_bytes();
  void fail(const std::string& error);
  void answer_failed(Op& op, const std::string& error) noexcept;
};

// ---------------------------------------------------------------- open

bool Index::Impl::open(std::string& error) {
  namespace fs = std::filesystem;
  if (options.path.empty()) {
    error = "retro index path is empty";
    return false;
  }
  if (options.window.count() <= 0) {
    error = "retro window must be positive";
    return false;
  }
  options.max_batch = std::max<std::size_t>(options.max_batch, 1);
  options.max_queue = std::max<std::size_t>(options.max_queue, 1);
  std::error_code ec;
  auto parent = fs::path(options.path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) {
      error = "cannot create directory " + parent.string() + ": " + ec.message();
      return false;
    }
  }
  std::string why;
  if (!db.open(options.path, /*create=*/true, why)) {
    error = "cannot open " + options.path + ": " + why;
    return false;
  }
  sqlite3_busy_timeout(db.get(), static_cast<int>(std::clamp<std::int64_t>(options.busy_timeout.count(), 0, 3'600'000)));
  auto fail = [&] {
    error = options.path + ": " + why;
    return false;
  };
  {
    // The first statement reads the header: a file that is not a database fails here.
    detail::Stmt wal = db.prepare("PRAGMA journal_mode = WAL", why);
    if (!wal) return fail();
    int rc = wal.step();
    if (rc != SQLITE_ROW) {
      why = db.errmsg(rc);
      return fail();
    }
    if (wal.blob(0) != "wal") {
      why = "cannot switch to WAL (journal_mode is '" + std::string(wal.blob(0)) + "'; a network file system?)";
      return fail();
    }
  }
  // Checkpoints run on the writer (autocheckpoint, every ~40 MB of WAL so a
  // page rewritten often is copied back once): nothing waits on the writer
  // but scans, and record() never does. journal_size_limit truncates the WAL
  // after a checkpoint. 64 MB page cache: the address and key B-trees are
  // updated at random positions.
  const char* sync = options.sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (!db.exec(sync, why) || !db.exec("PRAGMA journal_size_limit = 67108864", why) ||
      !db.exec("PRAGMA cache_size = -65536", why) ||
      !db.exec("PRAGMA wal_autocheckpoint = 10000", why) || !db.exec("PRAGMA temp_store = MEMORY", why) || !db.exec("PRAGMA mmap_size = 1073741824", why) ||
      !ensure_schema(why) || !prepare_all(why) || !db.query_int("SELECT count(*) FROM transfers", stored_rows, why) ||
      !db.query_int("PRAGMA page_size", page_size, why))
    return fail();
  stored = static_cast<std::uint64_t>(stored_rows);
  refresh_bytes();
  return true;
}

bool Index::Impl::ensure_schema(std::string& error) {
  if (!db.exec("BEGIN IMMEDIATE", error)) return false;
  auto rollback = [&] {
    std::string ignored;
    db.exec("ROLLBACK", ignored);
    return false;
  };
  std::int64_t app_id = 0, version = 0, tables = 0;
  if (!db.query_int("PRAGMA application_id", app_id, error) || !db.query_int("PRAGMA user_version", version, error) ||
      !db.query_int("SELECT count(*) FROM sqlite_schema", tables, error))
    return rollback();
  if (app_id == 0 && tables == 0) {
    if (!db.exec(kSchema, error) ||
        !db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(), error) ||
        !db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str(), error))
      return rollback();
  } else if (app_id != kApplicationId) {
    error = "not a freezewatch retro index (application_id " + std::to_string(app_id) + ")";
    return rollback();
  } else if (version != kSchemaVersion) {
    error = "retro index schema " + std::to_string(version) + " is not supported (this build knows " +
            std::to_string(kSchemaVersion) + ")";
    return rollback();
  }
  return db.exec("COMMIT", error) || rollback();
}

bool Index::Impl::prepare_all(std::string& error) {
  auto p = [&](detail::Stmt& s, const char* sql) {
    s = db.prepare(sql, error);
    return static_cast<bool>(s);
  };
  // CROSS JOIN keeps the address index as the outer loop: one probe per
  // address, then the transfer by rowid.
  return p(find, "SELECT id FROM transfers WHERE key = ?1") &&
         p(insert, "INSERT INTO transfers (key, received_at_ms, data) VALUES (?1, ?2, ?3)") &&
         p(update, "UPDATE transfers SET received_at_ms = ?2, data = ?3 WHERE id = ?1") &&
         p(delete_addresses, "DELETE FROM addresses WHERE transfer_id = ?1") &&
         p(insert_address, "INSERT OR IGNORE INTO addresses (hash, transfer_id) VALUES (?1, ?2)") &&
         p(delete_key, "DELETE FROM transfers WHERE key = ?1") &&
         p(lookup,
           "SELECT t.id, t.data FROM addresses AS a CROSS JOIN transfers AS t ON t.id = a.transfer_id "
           "WHERE a.hash = ?1 AND t.received_at_ms >= ?2") &&
         p(prune_window,
           "DELETE FROM transfers WHERE id IN (SELECT id FROM transfers WHERE received_at_ms < ?1 "
           "ORDER BY received_at_ms LIMIT ?2)") &&
         p(prune_cap,
           "DELETE FROM transfers WHERE id IN (SELECT id FROM transfers ORDER BY received_at_ms, id LIMIT ?1)") &&
         p(page_count, "PRAGMA page_count");
}

std::unique_ptr<Index> Index::open(const Options& options, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!impl->open(error)) return nullptr;
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Index::~Index() { stop(); }

void Index::stop() {
  std::call_once(impl_->stop_once, [&] {
    {
      std::lock_guard lk(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_one();
    if (impl_->writer.joinable()) impl_->writer.join();
  });
}

const Options& Index::options() const noexcept { return impl_->options; }

// ---------------------------------------------------------------- callers

void Index::record(const Transfer& t) {
  // Cheap refusal before the copy when the writer is far behind.
  if (impl_->queued.load(std::memory_order_relaxed) >= impl_->options.max_queue) {
    impl_->dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  impl_->enqueue_record(Transfer(t));
}

void Index::record(Transfer&& t) { impl_->enqueue_record(std::move(t)); }

void Index::Impl::enqueue_record(Transfer&& t) {
  bool wake = false;
  {
    std::lock_guard lk(mu);
    if (stopping || queued_records >= options.max_queue) {
      dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue.emplace_back(std::move(t));
    ++queued_records;
    queued.store(queued_records, std::memory_order_relaxed);
    // Wake the writer only when its wait can end: it idles until the queue
    // is non-empty and lingers until a batch is full (or batch_delay passed).
    // A notify per record would cost a context switch per record.
    wake = queued_records == 1 || queued_records == options.max_batch;
  }
  recorded.fetch_add(1, std::memory_order_relaxed);
  if (wake) cv.notify_one();
}

void Index::scan(std::vector<std::string> canonical_addresses, ScanFn done) {
  Impl& i = *impl_;
  {
    std::lock_guard lk(i.mu);
    if (!i.stopping) {
      i.queue.emplace_back(ScanOp{std::move(canonical_addresses), std::move(done), Clock::now()});
      ++i.urgent;
      i.cv.notify_one();
      return;
    }
  }
  ScanResult r;
  r.ok = false;
  r.error = "retro index stopped";
  if (done) done(std::move(r));
}

ScanResult Index::scan_wait(std::vector<std::string> canonical_addresses) {
  if (std::this_thread::get_id() == impl_->writer.get_id()) {
    ScanResult r;
    r.ok = false;
    r.error = "retro: scan_wait called on the writer thread";
    return r;
  }
  std::promise<ScanResult> p;
  auto f = p.get_future();
  scan(std::move(canonical_addresses), [&p](ScanResult r) { p.set_value(std::move(r)); });
  return f.get();
}

bool Index::flush() {
  Impl& i = *impl_;
  if (std::this_thread::get_id() == i.writer.get_id()) return false;
  std::future<bool> f;
  {
    std::lock_guard lk(i.mu);
    if (i.stopping) return true;  // stop() drained (or is draining) everything
    FlushOp op;
    f = op.done.get_future();
    i.queue.emplace_back(std::move(op));
    ++i.urgent;
  }
  i.cv.notify_one();
  return f.get();
}

Stats Index::stats() const {
  const Impl& i = *impl_;
  constexpr auto r = std::memory_order_relaxed;
  Stats s;
  s.stored = i.stored.load(r);
  s.bytes = i.bytes.load(r);
  s.recorded = i.recorded.load(r);
  s.inserted = i.inserted.load(r);
  s.replaced = i.replaced.load(r);
  s.retracted = i.retracted.load(r);
  s.dropped_window = i.dropped_window.load(r);
  s.dropped_cap = i.dropped_cap.load(r);
  s.dropped_queue_full = i.dropped_queue_full.load(r);
  s.dropped_write_error = i.dropped_write_error.load(r);
  s.write_errors = i.write_errors.load(r);
  s.corrupt_rows = i.corrupt_rows.load(r);
  s.queued = i.queued.load(r);
  s.scans = i.scans.load(r);
  s.last_scan_duration = std::chrono::microseconds(i.last_scan_us.load(r));
  s.last_scan_addresses = i.last_scan_addresses.load(r);
  s.last_scan_transfers = i.last_scan_transfers.load(r);
  std::lock_guard lk(i.error_mu);
  s.last_error = i.last_error;
  return s;
}

// ---------------------------------------------------------------- writer

void Index::Impl::run() {
  auto next_prune = Clock::now() + options.prune_interval;
  std::vector<Op> batch;
  for (;;) {
    {
      std::unique_lock lk(mu);
      if (queue.empty() && !prune_pending)
        cv.wait_until(lk, next_prune, [&] { return stopping || !queue.empty(); });
      // Linger for a fuller batch unless someone waits for the writer.
      auto full = [&] { return stopping || urgent > 0 || queued_records >= options.max_batch; };
      if (!queue.empty() && !full()) cv.wait_for(lk, options.batch_delay, full);
      if (queue.empty() && stopping) break;
      std::size_t records = 0;
      while (!queue.empty() && records < options.max_batch) {
        Op& op = queue.front();
        const bool is_record = std::holds_alternative<Transfer>(op);
        batch.push_back(std::move(op));
        queue.pop_front();
        if (is_record) {
          ++records;
        } else {
          --urgent;
          break;  // answer it before taking more
        }
      }
      queued_records -= records;
      queued.store(queued_records, std::memory_order_relaxed);
    }
    try {
      process(batch);
      if (Clock::now() >= next_prune) {
        prune_pending = true;
        next_prune = Clock::now() + options.prune_interval;
      }
      if (prune_pending) prune_pending = prune_step();
      refresh_bytes();
    } catch (const std::exception& e) {
      // bad_alloc decoding or copying: lose this round but keep the writer
      // (and every later record) alive, and answer whoever waits on it.
      std::string ignored;
      if (db.in_transaction()) db.exec("ROLLBACK", ignored);
      write_errors.fetch_add(1, std::memory_order_relaxed);
      const std::string error = std::string("exception in the retro writer: ") + e.what();
      fail(error);
      for (auto& op : batch) answer_failed(op, error);
    }
    batch.clear();
  }
  std::string ignored;
  db.exec("PRAGMA optimize", ignored);
}

void Index::Impl::process(std::vector<Op>& batch) {
  std::string blob, error;
  std::size_t txn_records = 0;
  std::int64_t d_inserted = 0, d_replaced = 0, d_retracted = 0;
  bool in_txn = false;

  auto abort_txn = [&] {
    std::string ignored;
    if (db.in_transaction()) db.exec("ROLLBACK", ignored);
    write_errors.fetch_add(1, std::memory_order_relaxed);
    dropped_write_error.fetch_add(txn_records, std::memory_order_relaxed);
    failed_since_flush = true;
    fail(error);
    in_txn = false;
    txn_records = 0;
    d_inserted = d_replaced = d_retracted = 0;
  };
  auto commit = [&] {
    if (!in_txn) return;
    if (!db.exec("COMMIT", error)) {
      abort_txn();
      return;
    }
    constexpr auto r = std::memory_order_relaxed;
    stored_rows += d_inserted - d_retracted;
    stored.store(static_cast<std::uint64_t>(std::max<std::int64_t>(stored_rows, 0)), r);
    inserted.fetch_add(d_inserted, r);
    replaced.fetch_add(d_replaced, r);
    retracted.fetch_add(d_retracted, r);
    if (options.max_transfers > 0 && stored_rows > static_cast<std::int64_t>(options.max_transfers))
      prune_pending = true;
    in_txn = false;
    txn_records = 0;
    d_inserted = d_replaced = d_retracted = 0;
  };

  for (auto& op : batch) {
    if (auto* t = std::get_if<Transfer>(&op)) {
      if (!in_txn) {
        if (!db.exec("BEGIN IMMEDIATE", error)) {
          txn_records = 1;
          abort_txn();
          continue;
        }
        in_txn = true;
      }
      ++txn_records;
      switch (apply(*t, blob, error)) {
        case Applied::failed: abort_txn(); break;
        case Applied::inserted: ++d_inserted; break;
        case Applied::replaced: ++d_replaced; break;
        case Applied::removed: ++d_retracted; break;
        case Applied::nothing: break;
      }
      continue;
    }
    commit();
    if (auto* s = std::get_if<ScanOp>(&op)) {
      handle_scan(*s);
    } else if (auto* f = std::get_if<FlushOp>(&op)) {
      f->answered = true;
      f->done.set_value(!failed_since_flush);
      failed_since_flush = false;
    }
  }
  commit();
}

Index::Impl::Applied Index::Impl::apply(const Transfer& t, std::string& blob, std::string& error) {
  const Key key = identity_key(t);
  auto step_done = [&](detail::Stmt& st) {
    int rc = st.step();
    if (rc == SQLITE_DONE) return true;
    error = db.errmsg(rc);
    return false;
  };
  if (t.status == TransferStatus::retracted) {
    detail::StmtUse use(delete_key);
    delete_key.bind_blob_ref(1, key.data(), key.size());
    if (!step_done(delete_key)) return Applied::failed;
    return db.changes() > 0 ? Applied::removed : Applied::nothing;  // the trigger's rows are not counted
  }

  encode(t, blob);
  const std::int64_t received_ms = to_ms(t.received_at);
  std::int64_t id = 0;
  bool found = false;
  {
    detail::StmtUse use(find);
    find.bind_blob_ref(1, key.data(), key.size());
    int rc = find.step();
    if (rc == SQLITE_ROW) {
      id = find.int64(0);
      found = true;
    } else if (rc != SQLITE_DONE) {
      error = db.errmsg(rc);
      return Applied::failed;
    }
  }
  if (found) {
    // A deposit keeps its key while its addresses may change (a sender
    // learnt later), so the address rows are rewritten too.
    detail::StmtUse u1(update), u2(delete_addresses);
    update.bind(1, id);
    update.bind(2, received_ms);
    update.bind_blob_ref(3, blob.data(), blob.size());
    delete_addresses.bind(1, id);
    if (!step_done(update) || !step_done(delete_addresses)) return Applied::failed;
  } else {
    detail::StmtUse use(insert);
    insert.bind_blob_ref(1, key.data(), key.size());
    insert.bind(2, received_ms);
    insert.bind_blob_ref(3, blob.data(), blob.size());
    if (!step_done(insert)) return Applied::failed;
    id = db.last_insert_rowid();
  }
  auto add_address = [&](const std::string& a) {
    if (a.empty()) return true;
    detail::StmtUse use(insert_address);
    insert_address.bind(1, address_hash(a));
    insert_address.bind(2, id);
    return step_done(insert_address);
  };
  for (const auto& s : t.senders)
    if (!add_address(s)) return Applied::failed;
  if (!add_address(t.recipient)) return Applied::failed;
  return found ? Applied::replaced : Applied::inserted;
}

void Index::Impl::handle_scan(ScanOp& op) {
  const auto start = Clock::now();
  ScanResult r;
  r.waited = std::chrono::duration_cast<std::chrono::microseconds>(start - op.enqueued);
  std::unordered_set<std::string_view> wanted;
  wanted.reserve(op.addresses.size());
  for (const auto& a : op.addresses)
    if (!a.empty()) wanted.insert(a);
  r.addresses_scanned = wanted.size();

  const std::int64_t from_ms = window_start_ms();
  std::unordered_set<std::int64_t> hashes, seen;
  std::vector<std::pair<std::int64_t, Transfer>> found;  // row id, transfer
  std::string error;
  // One read transaction: a consistent snapshot, and one lock for all lookups.
  if (!db.exec("BEGIN", error)) {
    r.ok = false;
    r.error = error;
  }
  for (auto it = wanted.begin(); r.ok && !r.truncated && it != wanted.end(); ++it) {
    const std::int64_t h = address_hash(*it);
    if (!hashes.insert(h).second) continue;
    detail::StmtUse use(lookup);
    lookup.bind(1, h);
    lookup.bind(2, from_ms);
    int rc;
    while ((rc = lookup.step()) == SQLITE_ROW) {
      ++r.rows_examined;
      const std::int64_t id = lookup.int64(0);
      // Every wanted address is checked below, so a row is decided once.
      if (!seen.insert(id).second) continue;
      Transfer t;
      if (!decode(lookup.blob(1), t)) {
        corrupt_rows.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      bool hit = wanted.contains(t.recipient);
      for (const auto& s : t.senders) hit = hit || wanted.contains(s);
      if (!hit) continue;  // a hash collision
      if (found.size() >= options.max_scan_results) {
        r.truncated = true;
        break;
      }
      found.emplace_back(id, std::move(t));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      r.ok = false;
      r.error = db.errmsg(rc);
    }
  }
  if (db.in_transaction()) {
    std::string ignored;
    db.exec("COMMIT", ignored) || db.exec("ROLLBACK", ignored);
  }
  if (!r.ok) {
    fail(r.error);
  } else {
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.second.received_at != b.second.received_at ? a.second.received_at < b.second.received_at
                                                          : a.first < b.first;
    });
    r.transfers.reserve(found.size());
    for (auto& f : found) r.transfers.push_back(std::move(f.second));
  }
  r.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);

  constexpr auto mo = std::memory_order_relaxed;
  last_scan_us.store(static_cast<std::uint64_t>(r.duration.count()), mo);
  last_scan_addresses.store(r.addresses_scanned, mo);
  last_scan_transfers.store(r.transfers.size(), mo);
  scans.fetch_add(1, mo);
  op.answered = true;
  if (!op.done) return;
  try {
    op.done(std::move(r));
  } catch (...) {
    // A throwing callback must not take the writer (and every later record) down.
    fail("retro scan callback threw");
  }
}

bool Index::Impl::prune_step() {
  std::string error;
  // Deletes one chunk in its own transaction; rows deleted, or -1.
  auto chunk = [&](detail::Stmt& st, auto bind) -> std::int64_t {
    if (!db.exec("BEGIN IMMEDIATE", error)) return -1;
    std::int64_t n = -1;
    {
      detail::StmtUse use(st);
      bind(st);
      int rc = st.step();
      if (rc == SQLITE_DONE)
        n = db.changes();
      else
        error = db.errmsg(rc);
    }
    std::string ignored;
    if (n < 0 || !db.exec("COMMIT", error)) {
      db.exec("ROLLBACK", ignored);
      return -1;
    }
    return n;
  };
  auto failed = [&] {
    write_errors.fetch_add(1, std::memory_order_relaxed);
    fail(error);
    return false;  // tried again at the next interval (or after the next batch for the cap)
  };
  constexpr auto mo = std::memory_order_relaxed;

  const std::int64_t from_ms = window_start_ms();
  std::int64_t n = chunk(prune_window, [&](detail::Stmt& st) {
    st.bind(1, from_ms);
    st.bind(2, kPruneChunk);
  });
  if (n < 0) return failed();
  stored_rows -= n;
  dropped_window.fetch_add(static_cast<std::uint64_t>(n), mo);
  stored.store(static_cast<std::uint64_t>(std::max<std::int64_t>(stored_rows, 0)), mo);
  if (n == kPruneChunk) return true;

  const auto cap = static_cast<std::int64_t>(options.max_transfers);
  if (cap == 0 || stored_rows <= cap) return false;
  const std::int64_t excess = std::min(stored_rows - cap, kPruneChunk);
  n = chunk(prune_cap, [&](detail::Stmt& st) { st.bind(1, excess); });
  if (n < 0) return failed();
  stored_rows -= n;
  dropped_cap.fetch_add(static_cast<std::uint64_t>(n), mo);
  stored.store(static_cast<std::uint64_t>(std::max<std::int64_t>(stored_rows, 0)), mo);
  return stored_rows > cap;
}

void Index::Impl::refresh_bytes() {
  detail::StmtUse use(page_count);
  if (page_count.step() == SQLITE_ROW)
    bytes.store(static_cast<std::uint64_t>(page_count.int64(0) * page_size), std::memory_order_relaxed);
}

void Index::Impl::fail(const std::string& error) {
  std::lock_guard lk(error_mu);
  last_error = error;
}

void Index::Impl::answer_failed(Op& op, const std::string& error) noexcept {
  try {
    if (auto* f = std::get_if<FlushOp>(&op); f && !f->answered) {
      f->answered = true;
      f->done.set_value(false);
    } else if (auto* sc = std::get_if<ScanOp>(&op); sc && !sc->answered) {
      sc->answered = true;
      ScanResult r;
      r.ok = false;
      r.error = error;
      if (sc->done) sc->done(std::move(r));
    }
  } catch (...) {
    // Out of memory again, or the callback threw: nothing more to do.
  }
}

}  // namespace fw::retro
