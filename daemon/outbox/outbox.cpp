#include "outbox/outbox.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <variant>

#include "core/backoff.hpp"
#include "log/log.hpp"
#include "outbox/detail/store.hpp"

namespace fw::outbox {

const char* to_string(State s) noexcept {
  switch (s) {
    case State::pending: return "pending";
    case State::delivered: return "delivered";
    case State::dead: return "dead";
  }
  return "pending";
}

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The writer's work items. Each carries what it needs to be applied again if
// its transaction is rolled back, and keeps its per-attempt results apart.
struct AppendOp {
  std::vector<Record> records;
  Outbox::DurableFn on_durable;
  std::int64_t enqueued_at_ms = 0;
  std::vector<std::int64_t> seqs;  // per record after an attempt: seq, 0 duplicate, -1 rejected
  std::optional<std::pair<std::string, std::string>> state;  // save_state: key, value
};
struct DeliveredOp {
  std::int64_t seq;
  std::int64_t at_ms;
};
struct RescheduleOp {
  std::int64_t seq;
  std::uint32_t attempts;
  std::int64_t next_ms;
  std::string last_error;
};
struct DeadOp {
  std::int64_t seq;
  int http_status;
  std::string excerpt;
  std::string reason;
  std::optional<std::uint32_t> attempts;
  std::int64_t at_ms;
};

// Reads and admin writes: answered through `done` after their batch commits,
// or at once with ok = false when it fails (they are not retried).
struct QueryResult {
  bool ok = true;
  std::string error;
  std::vector<Record> records;
  std::vector<DeadLetter> dead;
  std::size_t count = 0;
  std::optional<std::string> state;  // load_state
};
struct QueryOp {
  enum class Kind { load_pending, take_requeued, dlq_list, dlq_retry, prune, flush, load_state } kind;
  std::string key;                  // load_state
  std::optional<std::int64_t> seq;  // dlq_retry
  std::size_t limit = 0;            // dlq_list
  std::int64_t at_ms = 0;
  std::function<void(QueryResult&&)> done;
  QueryResult result;  // per attempt
};

using Op = std::variant<AppendOp, DeliveredOp, RescheduleOp, DeadOp, QueryOp>;

std::size_t weight(const Op& op) {
  if (const auto* a = std::get_if<AppendOp>(&op)) return std::max<std::size_t>(1, a->records.size());
  return 1;
}

// Stat changes made by one attempt; published only if it commits.
struct Delta {
  std::int64_t pending = 0;
  std::int64_t dead = 0;
  std::uint64_t inserted = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t rejected = 0;
  bool pending_changed = false;
  bool recount = false;  // rows re-queued by another process: counts are stale
  std::optional<detail::Counts> counts;
  std::int64_t oldest = 0;
};

template <class F>
void guarded(const char* what, F&& f) {
  // A throwing callback must not take the writer (and every later alert) down.
  try {
    f();
  } catch (const std::exception& e) {
    log::error("outbox callback threw", {{"callback", what}, {"error", e.what()}});
  } catch (...) {
    log::error("outbox callback threw", {{"callback", what}, {"error", "unknown exception"}});
  }
}

}  // namespace

struct Outbox::Impl {
  Options options;
  detail::Store store;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Op> queue;  // guarded by mu
  bool stopping = false;  // guarded by mu
  std::thread writer;
  // Checkpointer: copies the WAL into the database from its own connection,
  // so the fsync that costs is never on the writer thread.
  std::thread checkpointer;
  std::mutex cp_mu;
  std::condition_variable cp_cv;
  bool cp_stopping = false;  // guarded by cp_mu
  void checkpoint_loop();

  std::atomic<std::uint64_t> pending{0}, dead{0}, write_errors{0}, rejected{0}, commits{0}, inserted{0},
      duplicates{0}, queued{0};
  std::atomic<std::int64_t> oldest_pending{0};

  void enqueue(Op op) {
    {
      std::lock_guard lk(mu);
      queue.push_back(std::move(op));
      queued.fetch_add(1, std::memory_order_relaxed);  // under the lock: drain() never sees it negative
    }
    cv.notify_one();
  }

  QueryResult query(QueryOp op) {
    if (std::this_thread::get_id() == writer.get_id())
      return QueryResult{false, "outbox: blocking call from the writer thread (inside a callback)", {}, {}, 0};
    auto promise = std::make_shared<std::promise<QueryResult>>();
    auto future = promise->get_future();
    op.done = [promise](QueryResult&& r) { promise->set_value(std::move(r)); };
    enqueue(std::move(op));
    return future.get();
  }

  void run();
  std::size_t drain(std::unique_lock<std::mutex>& lk, std::vector<Op>& batch);
  bool apply(std::vector<Op>& batch, Delta& delta, std::string& error);
  bool apply_one(Op& op, Delta& delta, std::string& error);
  void publish(std::vector<Op>& batch, const Delta& delta);
  void fail_queries(std::vector<Op>& batch, const std::string& error);
  void give_up(std::vector<Op>& batch, const std::string& error);
  void prune();
};

std::unique_ptr<Outbox> Outbox::open(const Options& options, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.max_batch == 0) impl->options.max_batch = 1;
  if (!impl->store.open(impl->options, error)) return nullptr;
  impl->prune();
  detail::Counts c;
  std::string why;
  if (!impl->store.counts(c, why)) {
    error = options.path + ": " + why;
    return nullptr;
  }
  impl->pending = c.pending;
  impl->dead = c.dead;
  impl->oldest_pending = c.oldest_pending_created_at_ms;
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->run(); });
  impl->checkpointer = std::thread([raw] { raw->checkpoint_loop(); });
  return std::unique_ptr<Outbox>(new Outbox(std::move(impl)));
}

Outbox::Outbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Outbox::~Outbox() {
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_one();
  if (impl_->writer.joinable()) impl_->writer.join();
  {
    std::lock_guard lk(impl_->cp_mu);
    impl_->cp_stopping = true;
  }
  impl_->cp_cv.notify_one();
  if (impl_->checkpointer.joinable()) impl_->checkpointer.join();
}

void Outbox::Impl::checkpoint_loop() {
  // PASSIVE never blocks the writer: it copies what no reader still needs and
  // leaves the rest for the next round. Once a second keeps the WAL small
  // (journal_size_limit truncates it) at any alert rate we see.
  constexpr auto kInterval = std::chrono::seconds(1);
  detail::Db db;
  std::string error;
  if (!db.open(options.path, false, error)) {
    log::warn("outbox checkpointer cannot open the database; the WAL grows until restart",
              {{"path", options.path}, {"error", error}});
    return;
  }
  sqlite3_busy_timeout(db.get(), 100);
  std::unique_lock lk(cp_mu);
  for (;;) {
    if (cp_cv.wait_for(lk, kInterval, [&] { return cp_stopping; })) break;
    lk.unlock();
    std::string text;
    if (!db.query_text("PRAGMA wal_checkpoint(PASSIVE)", text, error))
      log::debug("outbox checkpoint skipped", {{"path", options.path}, {"error", error}});
    lk.lock();
  }
}

void Outbox::append(std::vector<Record> records, DurableFn on_durable) {
  impl_->enqueue(AppendOp{std::move(records), std::move(on_durable), now_ms(), {}, {}});
}

void Outbox::save_state(std::string key, std::string value, std::function<void()> on_durable) {
  DurableFn done;
  if (on_durable) done = [f = std::move(on_durable)](std::vector<Record>) { f(); };
  impl_->enqueue(AppendOp{{}, std::move(done), now_ms(), {}, std::pair{std::move(key), std::move(value)}});
}


void Outbox::mark_delivered(std::int64_t seq) { impl_->enqueue(DeliveredOp{seq, now_ms()}); }

void Outbox::reschedule(std::int64_t seq, std::uint32_t attempts, std::int64_t next_attempt_at_ms,
                        std::string last_error) {
  impl_->enqueue(RescheduleOp{seq, attempts, next_attempt_at_ms, std::move(last_error)});
}

void Outbox::dead_letter(std::int64_t seq, int http_status, std::string response_excerpt, std::string reason,
                         std::optional<std::uint32_t> attempts) {
  impl_->enqueue(DeadOp{seq, http_status, std::move(response_excerpt), std::move(reason), attempts, now_ms()});
}

void Outbox::take_requeued_async(RequeuedFn done) {
  QueryOp op{QueryOp::Kind::take_requeued};
  op.done = [done = std::move(done)](QueryResult&& r) {
    if (r.ok && done) done(std::move(r.records));
  };
  impl_->enqueue(std::move(op));
}

namespace {
template <class T>
T answer(QueryResult&& r, std::string* error, T value) {
  if (error) *error = r.ok ? std::string() : std::move(r.error);
  return value;
}
}  // namespace

std::vector<Record> Outbox::load_pending(std::string* error) {
  auto r = impl_->query(QueryOp{QueryOp::Kind::load_pending});
  auto records = std::move(r.records);
  return answer(std::move(r), error, std::move(records));
}

std::vector<Record> Outbox::take_requeued(std::string* error) {
  auto r = impl_->query(QueryOp{QueryOp::Kind::take_requeued});
  auto records = std::move(r.records);
  return answer(std::move(r), error, std::move(records));
}

std::vector<DeadLetter> Outbox::dlq_list(std::size_t limit, std::string* error) {
  QueryOp op{QueryOp::Kind::dlq_list};
  op.limit = limit;
  auto r = impl_->query(std::move(op));
  auto dead = std::move(r.dead);
  return answer(std::move(r), error, std::move(dead));
}

std::size_t Outbox::dlq_retry(std::optional<std::int64_t> seq, std::string* error) {
  QueryOp op{QueryOp::Kind::dlq_retry};
  op.seq = seq;
  op.at_ms = now_ms();
  auto r = impl_->query(std::move(op));
  std::size_t n = r.count;
  return answer(std::move(r), error, n);
}

std::size_t Outbox::prune_delivered(std::string* error) {
  QueryOp op{QueryOp::Kind::prune};
  op.at_ms = now_ms();
  auto r = impl_->query(std::move(op));
  std::size_t n = r.count;
  return answer(std::move(r), error, n);
}

bool Outbox::flush() { return impl_->query(QueryOp{QueryOp::Kind::flush}).ok; }

std::optional<std::string> Outbox::load_state(const std::string& key, std::string* error) {
  QueryOp op{QueryOp::Kind::load_state};
  op.key = key;
  auto r = impl_->query(std::move(op));
  auto state = std::move(r.state);
  return answer(std::move(r), error, std::move(state));
}

Stats Outbox::stats() const {
  const Impl& i = *impl_;
  constexpr auto r = std::memory_order_relaxed;
  Stats s;
  s.pending = i.pending.load(r);
  s.oldest_pending_created_at_ms = i.oldest_pending.load(r);
  s.dead = i.dead.load(r);
  s.write_errors = i.write_errors.load(r);
  s.rejected = i.rejected.load(r);
  s.commits = i.commits.load(r);
  s.inserted = i.inserted.load(r);
  s.duplicates = i.duplicates.load(r);
  s.queued = i.queued.load(r);
  return s;
}

const std::string& Outbox::path() const noexcept { return impl_->options.path; }

// ---------------------------------------------------------------- writer

void Outbox::Impl::run() {
  using clock = std::chrono::steady_clock;
  const auto prune_every = std::chrono::milliseconds(std::max<std::int64_t>(options.prune_interval_ms, 1000));
  auto next_prune = clock::now() + prune_every;
  Backoff backoff{std::chrono::milliseconds(100), std::chrono::seconds(5)};
  std::minstd_rand rng{std::random_device{}()};
  int failures_while_stopping = 0;
  std::vector<Op> batch;  // non-empty between attempts = durable writes awaiting a retry

  for (;;) {
    bool stop_now = false;
    {
      std::unique_lock lk(mu);
      if (batch.empty()) {
        cv.wait_until(lk, next_prune, [&] { return !queue.empty() || stopping; });
        stop_now = queue.empty() && stopping;
      }
      if (!stop_now) queued.fetch_sub(drain(lk, batch), std::memory_order_relaxed);
    }
    if (stop_now) return;
    if (clock::now() >= next_prune) {
      prune();
      next_prune = clock::now() + prune_every;
    }
    if (batch.empty()) continue;

    Delta delta;
    std::string error;
    bool ok = false;
    try {
      ok = apply(batch, delta, error);
    } catch (const std::exception& e) {  // bad_alloc reading rows: treat as a failed attempt
      store.rollback();
      error = std::string("exception: ") + e.what();
    }
    if (ok) {
      // Callbacks are guarded inside; this only catches allocation failure
      // while building their vectors. The rows are committed and pending, so
      // they are sent after the next restart at the latest.
      guarded("publish", [&] { publish(batch, delta); });
      batch.clear();
      backoff.reset();
      continue;
    }

    // The transaction is rolled back: nothing of the batch happened.
    write_errors.fetch_add(1, std::memory_order_relaxed);
    fail_queries(batch, error);
    std::size_t records = 0;
    for (const auto& op : batch)
      if (const auto* a = std::get_if<AppendOp>(&op)) records += a->records.size();
    auto wait = backoff.next(rng);
    log::error("outbox write failed; batch rolled back, will retry",
               {{"path", options.path}, {"error", error}, {"ops", batch.size()}, {"records", records},
                {"retry_in_ms", static_cast<std::int64_t>(wait.count())}});
    std::unique_lock lk(mu);
    if (stopping) {
      if (++failures_while_stopping >= 3) {
        lk.unlock();
        give_up(batch, error);
        continue;  // then drains what is left the same way, and returns
      }
      wait = std::min(wait, std::chrono::milliseconds(200));
    }
    cv.wait_for(lk, wait, [&] { return stopping && failures_while_stopping == 0; });
  }
}

// Moves queued ops into `batch`: up to max_batch records normally; everything
// when `batch` still holds a failed attempt, so that queries behind it get an
// answer (an error) instead of waiting for the disk to recover.
std::size_t Outbox::Impl::drain(std::unique_lock<std::mutex>&, std::vector<Op>& batch) {
  const bool retrying = !batch.empty();
  std::size_t taken = 0, weight_sum = 0;
  while (!queue.empty()) {
    std::size_t w = weight(queue.front());
    if (!retrying && taken > 0 && weight_sum + w > options.max_batch) break;
    batch.push_back(std::move(queue.front()));
    queue.pop_front();
    weight_sum += w;
    ++taken;
  }
  return taken;
}

bool Outbox::Impl::apply(std::vector<Op>& batch, Delta& delta, std::string& error) {
  if (!store.begin(error)) {
    store.rollback();
    return false;
  }
  for (auto& op : batch) {
    if (!apply_one(op, delta, error)) {
      store.rollback();
      return false;
    }
  }
  if (delta.recount) {
    detail::Counts c;
    if (!store.counts(c, error)) {
      store.rollback();
      return false;
    }
    delta.counts = c;
  } else if (delta.pending_changed && !store.oldest_pending(delta.oldest, error)) {
    store.rollback();
    return false;
  }
  if (!store.commit(error)) {
    store.rollback();
    return false;
  }
  return true;
}

bool Outbox::Impl::apply_one(Op& op, Delta& delta, std::string& error) {
  if (auto* a = std::get_if<AppendOp>(&op)) {
    a->seqs.assign(a->records.size(), 0);
    for (std::size_t i = 0; i < a->records.size(); ++i) {
      const Record& r = a->records[i];
      std::int64_t seq = 0;
      std::string why;
      switch (store.insert(r, r.created_at_ms != 0 ? r.created_at_ms : a->enqueued_at_ms, seq, why)) {
        case detail::Store::Insert::inserted:
          a->seqs[i] = seq;
          ++delta.inserted;
          ++delta.pending;
          delta.pending_changed = true;
          break;
        case detail::Store::Insert::duplicate: ++delta.duplicates; break;
        case detail::Store::Insert::rejected:
          // Logged per attempt; an attempt that later rolls back re-logs on retry.
          a->seqs[i] = -1;
          ++delta.rejected;
          log::error("outbox rejected a record; it is NOT stored",
                     {{"alert_id", log::excerpt(r.alert_id)}, {"endpoint", log::excerpt(r.endpoint)},
                      {"payload_bytes", r.payload.size()}, {"error", why}});
          break;
        case detail::Store::Insert::failed: error = why; return false;
      }
    }
    if (a->state && !store.put_state(a->state->first, a->state->second, a->enqueued_at_ms, error)) return false;
    return true;
  }
  if (auto* d = std::get_if<DeliveredOp>(&op)) {
    int n = store.mark_delivered(d->seq, d->at_ms, error);
    if (n < 0) return false;
    delta.pending -= n;
    delta.pending_changed |= n > 0;
    return true;
  }
  if (auto* r = std::get_if<RescheduleOp>(&op)) {
    return store.reschedule(r->seq, r->attempts, r->next_ms, r->last_error, error) >= 0;
  }
  if (auto* d = std::get_if<DeadOp>(&op)) {
    int n = store.dead_letter(d->seq, d->http_status, d->excerpt, d->reason, d->attempts, d->at_ms, error);
    if (n < 0) return false;
    delta.pending -= n;
    delta.dead += n;
    delta.pending_changed |= n > 0;
    return true;
  }
  auto& q = std::get<QueryOp>(op);
  q.result = QueryResult{};
  switch (q.kind) {
    case QueryOp::Kind::load_pending: return store.load_pending(q.result.records, error);
    case QueryOp::Kind::take_requeued:
      if (!store.take_requeued(q.result.records, error)) return false;
      delta.recount |= !q.result.records.empty();
      return true;
    case QueryOp::Kind::dlq_list: return store.dlq_list(q.limit, q.result.dead, error);
    case QueryOp::Kind::dlq_retry: {
      auto n = store.dlq_retry(q.seq, q.at_ms, error);
      if (n < 0) return false;
      q.result.count = static_cast<std::size_t>(n);
      delta.pending += n;
      delta.dead -= n;
      delta.pending_changed |= n > 0;
      return true;
    }
    case QueryOp::Kind::prune: {
      auto n = store.prune_delivered(q.at_ms - options.retain_delivered_ms, error);
      if (n < 0) return false;
      q.result.count = static_cast<std::size_t>(n);
      return true;
    }
    case QueryOp::Kind::flush: return true;
    case QueryOp::Kind::load_state: return store.get_state(q.key, q.result.state, error);
  }
  return true;
}

// After a commit: stats first (a callback may read them), then callbacks in batch order.
void Outbox::Impl::publish(std::vector<Op>& batch, const Delta& delta) {
  constexpr auto r = std::memory_order_relaxed;
  commits.fetch_add(1, r);
  inserted.fetch_add(delta.inserted, r);
  duplicates.fetch_add(delta.duplicates, r);
  rejected.fetch_add(delta.rejected, r);
  write_errors.fetch_add(delta.rejected, r);
  if (delta.counts) {
    pending.store(delta.counts->pending, r);
    dead.store(delta.counts->dead, r);
    oldest_pending.store(delta.counts->oldest_pending_created_at_ms, r);
  } else {
    // Deltas never drive a count below zero even if another process changed rows under us.
    auto add = [](std::atomic<std::uint64_t>& a, std::int64_t d) {
      auto v = static_cast<std::int64_t>(a.load(std::memory_order_relaxed)) + d;
      a.store(static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)), std::memory_order_relaxed);
    };
    add(pending, delta.pending);
    add(dead, delta.dead);
    if (delta.pending_changed) oldest_pending.store(delta.oldest, r);
  }

  for (auto& op : batch) {
    if (auto* a = std::get_if<AppendOp>(&op)) {
      std::vector<Record> out;
      out.reserve(a->records.size());
      for (std::size_t i = 0; i < a->records.size(); ++i) {
        if (a->seqs[i] <= 0) continue;
        Record& rec = a->records[i];
        rec.seq = a->seqs[i];
        if (rec.created_at_ms == 0) rec.created_at_ms = a->enqueued_at_ms;
        rec.state = State::pending;
        out.push_back(std::move(rec));
      }
      if (a->on_durable) guarded("on_durable", [&] { a->on_durable(std::move(out)); });
    } else if (auto* q = std::get_if<QueryOp>(&op)) {
      if (q->done) guarded("query", [&] { q->done(std::move(q->result)); });
    }
  }
}

// Queries are answered with the error and leave the batch; writes stay for the retry.
void Outbox::Impl::fail_queries(std::vector<Op>& batch, const std::string& error) {
  std::erase_if(batch, [&](Op& op) {
    auto* q = std::get_if<QueryOp>(&op);
    if (!q) return false;
    if (q->done) guarded("query", [&] { q->done(QueryResult{false, error, {}, {}, 0}); });
    return true;
  });
}

void Outbox::Impl::give_up(std::vector<Op>& batch, const std::string& error) {
  std::size_t records = 0, updates = 0;
  for (const auto& op : batch) {
    if (const auto* a = std::get_if<AppendOp>(&op))
      records += a->records.size();
    else
      ++updates;
  }
  log::error("outbox shutting down with writes it could not persist; these alerts are LOST",
             {{"path", options.path}, {"error", error}, {"records", records}, {"state_updates", updates}});
  batch.clear();
}

void Outbox::Impl::prune() {
  std::string error;
  std::int64_t n = -1;
  if (store.begin(error)) {
    n = store.prune_delivered(now_ms() - options.retain_delivered_ms, error);
    if (n < 0 || !store.commit(error)) n = -1;
  }
  if (n < 0) {
    store.rollback();
    write_errors.fetch_add(1, std::memory_order_relaxed);
    log::warn("outbox prune of delivered rows failed; will try again", {{"path", options.path}, {"error", error}});
  } else if (n > 0) {
    log::debug("outbox pruned delivered rows", {{"path", options.path}, {"rows", n}});
  }
}

}  // namespace fw::outbox
